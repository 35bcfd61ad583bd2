// The parser: tokens (Lexer.h) to the AST (AST.h), by recursive descent. The grammar it
// implements is grammar/odec.ebnf; each parse function starts with its rule.
//
// Error handling follows Lua: a message names what was expected, what was found and the
// construct left open (`'end' expected (to close 'model' at line 3) near end of file`,
// `expected ')' to close '(' at 2:9, got newline`). After an error the parser abandons the
// statement, skips to the next statement or block boundary and goes on, so one mistake
// gives one message. Expressions nested more than kMaxExpressionDepth levels are an error,
// which bounds the recursion of the parser and of every later pass over the tree.
#pragma once

#include "syntax/AST.h"
#include "syntax/Diagnostics.h"
#include "syntax/SourceManager.h"

#include <cstdint>
#include <memory>

namespace odec {

/// Deepest expression accepted: parentheses, brackets, calls, unary and binary operators
/// each add a level (`-(a + b)` has three, a chain `a + b + c` two), so a flat sum of 1 000
/// terms is accepted (`sum([a, b, ...])` has no limit: array elements are siblings). The
/// passes over the tree recurse about 1 KB of stack per level (`odec derive`, the deepest,
/// needs 128–256 KB for 190 levels), so 1 000 levels stay far inside an 8 MB stack, with
/// AddressSanitizer's larger frames too (`make sanitize` runs a chain at the limit).
constexpr int kMaxExpressionDepth = 1000;

/// Parses one buffer of `sm` into a Program. Errors are reported to `diags`; the parser
/// recovers at statement/block boundaries and keeps going; what parsed is returned.
std::unique_ptr<ast::Program> parseProgram(const SourceManager &sm, uint32_t file,
                                           DiagnosticEngine &diags);

} // namespace odec
