// Helpers shared by the syntax tests: lex or parse a string and look at the result as text.
#pragma once

#include "syntax/AST.h"
#include "syntax/Diagnostics.h"
#include "syntax/Lexer.h"
#include "syntax/Parser.h"
#include "syntax/SourceManager.h"

#include <memory>
#include <string>
#include <vector>

namespace odec::test {

/// One buffer lexed and parsed, with its diagnostics.
struct ParseResult {
  explicit ParseResult(std::string text, std::string name = "t.node") {
    file = sm.addBuffer(std::move(name), std::move(text));
    program = parseProgram(sm, file, diags);
  }
  /// Every diagnostic, formatted as the user sees it.
  std::string errors() const { return diags.formatAll(); }
  std::string ast() const { return ast::dump(*program); }

  SourceManager sm;
  uint32_t file = 0;
  DiagnosticEngine diags{sm};
  std::unique_ptr<ast::Program> program;
};

/// One buffer lexed, with its diagnostics.
struct LexResult {
  explicit LexResult(std::string text) {
    file = sm.addBuffer("t.node", std::move(text));
    tokens = lex(sm, file, diags);
  }
  /// The tokens before Eof as their text separated by spaces; a newline prints as `NL`,
  /// a lexical error as `ERR`.
  std::string str() const {
    std::string out;
    for (const Token &t : tokens) {
      if (t.is(TokenKind::Eof))
        break;
      if (!out.empty())
        out += ' ';
      if (t.is(TokenKind::Newline))
        out += "NL";
      else if (t.is(TokenKind::Error))
        out += "ERR";
      else
        out += t.text(sm.text(file));
    }
    return out;
  }
  std::vector<TokenKind> kinds() const {
    std::vector<TokenKind> ks;
    for (const Token &t : tokens)
      ks.push_back(t.kind);
    return ks;
  }

  SourceManager sm;
  uint32_t file = 0;
  DiagnosticEngine diags{sm};
  std::vector<Token> tokens;
};

} // namespace odec::test
