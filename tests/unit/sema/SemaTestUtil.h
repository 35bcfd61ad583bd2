// Runs the front end (parser + sema, with the prelude) on source text and collects the
// diagnostics' first lines (`t.node:3:5: error: ...`) for exact comparison.
#pragma once

#include "sema/Sema.h"
#include "sema/Suggest.h"
#include "syntax/Parser.h"

#include <gtest/gtest.h>

#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

namespace odec::test {

struct SemaRun {
  SourceManager sm;
  DiagnosticEngine diags{sm};
  std::unique_ptr<ast::Program> prelude, program;
  sema::CheckedProgram checked;
  bool ok = false;

  /// First lines of the diagnostics of one severity, in order.
  std::vector<std::string> lines(Severity s) const {
    std::vector<std::string> out;
    for (const Diagnostic &d : diags.diagnostics())
      if (d.severity == s) {
        std::string f = diags.format(d);
        out.push_back(f.substr(0, f.find('\n')));
      }
    return out;
  }
  std::vector<std::string> errors() const { return lines(Severity::Error); }
  std::vector<std::string> warnings() const { return lines(Severity::Warning); }
};

inline std::unique_ptr<SemaRun> runSema(const std::string &src,
                                        const std::string &name = "t.node") {
  auto r = std::make_unique<SemaRun>();
  r->prelude = sema::parsePrelude(r->sm, r->diags);
  uint32_t file = r->sm.addBuffer(name, src);
  r->program = parseProgram(r->sm, file, r->diags);
  EXPECT_FALSE(r->diags.hasErrors()) << "test input does not parse:\n" << r->diags.formatAll();
  r->ok = sema::check(*r->program, r->prelude.get(), r->diags, r->checked);
  return r;
}

inline std::string readFile(const std::string &path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// A model with a fixed set of names around one let, `e = <expr>`, on line 9 (column 9):
/// x::Vector{2}, s::Real, W::Matrix{2,3}, A::Matrix{2,2}, v::Vector{3}, const n = 3.
inline std::string exprModel(const std::string &expr) {
  return "model M\n"                            // 1
         "    state x::Vector{2}\n"             // 2
         "    state s::Real\n"                  // 3
         "    param W::Matrix{2,3} ~ Zeros()\n" // 4
         "    param A::Matrix{2,2} ~ Zeros()\n" // 5
         "    param v::Vector{3} ~ Zeros()\n"   // 6
         "    const n = 3\n"                    // 7
         "    const m = 2\n"                    // 8
         "    e = " +
         expr +
         "\n"                            // 9
         "    ddt(x) = W * v .+ A * x\n" // 10
         "    ddt(s) = s\n"              // 11
         "end\n";
}

/// The errors of `e = <expr>` in exprModel.
inline std::vector<std::string> exprErrors(const std::string &expr) {
  return runSema(exprModel(expr))->errors();
}

/// The shape sema gives `<expr>` in exprModel ("error" when it reports one).
inline std::string exprShape(const std::string &expr) {
  auto r = runSema(exprModel(expr));
  if (r->diags.hasErrors())
    return "error: " + r->errors()[0];
  const auto &let = static_cast<const ast::LetDecl &>(*r->program->models[0]->decls[7]);
  return let.value->shape ? let.value->shape->str() : "unannotated";
}

} // namespace odec::test
