#include "sema/Builtins.h"

#include <iterator>

namespace odec::sema {

namespace {

const std::vector<BuiltinInfo> &builtins() {
  static const std::vector<BuiltinInfo> table = [] {
    std::vector<BuiltinInfo> t;
    for (int i = 0; i <= int(ir::Op::Concat); ++i) {
      const ir::OpInfo &op = ir::opInfo(ir::Op(i));
      if (*op.builtin)
        t.push_back({op.builtin, Builtin::Elementwise, op.minArgs, op.maxArgs, true, ir::Op(i)});
    }
    const BuiltinInfo others[] = {
        {"sum", Builtin::Sum, 1, 1, false},
        {"dot", Builtin::Dot, 2, 2, false},
        {"norm", Builtin::Norm, 1, 1, false},
        {"softmax", Builtin::Softmax, 1, 1, false},
        {"zeros", Builtin::Zeros, 1, 2, false},
        {"ones", Builtin::Ones, 1, 2, false},
        {"I", Builtin::Identity, 1, 1, false},
        {"transpose", Builtin::Transpose, 1, 1, false},
        {"vcat", Builtin::Vcat, 1, -1, false},
        {"gradient", Builtin::Gradient, 2, 2, false},
        {"jacobian", Builtin::Jacobian, 2, 2, false},
    };
    t.insert(t.end(), std::begin(others), std::end(others));
    return t;
  }();
  return table;
}

} // namespace

const BuiltinInfo *findBuiltin(std::string_view name) {
  for (const BuiltinInfo &b : builtins())
    if (name == b.name)
      return &b;
  return nullptr;
}

std::vector<std::string> builtinNames() {
  std::vector<std::string> out;
  for (const BuiltinInfo &b : builtins())
    out.push_back(b.name);
  return out;
}

} // namespace odec::sema
