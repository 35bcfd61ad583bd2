// odec's tensor IR: a DAG of small immutable nodes, each one operation on dense scalars,
// vectors or matrices whose shapes are known at compile time.
//
// Nodes are created only through the builder functions in ir/Builder.h, which check
// shapes (a failure is an InternalError: sema has already rejected bad user input) and do
// local simplification (constant folding, x+0, x*1, (x')' ...). Sharing is by pointer:
// a node used twice is one node, and every pass memoizes on node identity so shared
// terms are computed once. Rewrites (simplify, CSE, differentiation) build new nodes and
// return the same node when nothing changed.
//
// Storage of every value is rows x cols, row-major.
#pragma once

#include "ir/OpList.h"
#include "support/Shape.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace odec::ir {

enum class Op : uint8_t {
  // Leaves.
  Constant, // a literal tensor; `values` holds rows*cols doubles, row-major
  Variable, // a function input; `name`, `role`, `index`

  // Elementwise (ir/OpList.h): unary ops keep their argument's shape; binary ops take two
  // arguments of exactly the result's rows and cols (broadcasting is explicit, through
  // Broadcast).
#define ODEC_ENUM_ENTRY(Name, ...) Name,
  ODEC_ELEMENTWISE_OPS(ODEC_ENUM_ENTRY)
#undef ODEC_ENUM_ENTRY

  // Structural.
  MatMul,    // (m x k) * (k x n)
  Transpose, // (m x n) -> (n x m)
  Broadcast, // replicate along every dimension where the argument has size 1
  SumTo,     // sum along every dimension where the result has size 1 (inverse of Broadcast)
  Slice,     // the block at (row0, col0) of the result's size
  Concat,    // stack arguments: axis 0 vertically (vcat), axis 1 horizontally (hcat)
};

enum class OpCategory : uint8_t { Leaf, Unary, Binary, Structural };

/// One row of the operation table: name, category and spellings. An elementwise op's value
/// and derivative are its OpDef in ir/OpTable.h; structural ops' rules live with the passes.
struct OpInfo {
  const char *name;    // IR spelling: "tanh", "add", "matmul"
  OpCategory category;
  const char *julia;   // Julia spelling for printing: "tanh", "+", "*" (empty if none)
  const char *builtin; // the name a .node file calls it by ("" if none)
  int minArgs, maxArgs;
  double secondDefault; // the second argument when a call gives one (maxArgs 2 > minArgs)
};
const OpInfo &opInfo(Op op);

/// What a Variable stands for in the functions odec generates. Code generation uses it to
/// decide which values differ between trajectories of a batch (states, cotangents, time and
/// inputs: each trajectory has its own) and which are shared (parameters).
enum class VarRole : uint8_t { State, Param, Cotangent, Time, Input };

class Node;
/// A handle to an immutable node. Null means "no expression".
using Expr = std::shared_ptr<const Node>;

class Node {
public:
  const Op op;
  const Shape shape;
  const std::vector<Expr> args;

  // Payloads; only the ones for `op` are meaningful.
  const std::vector<double> values; // Constant
  const std::string name;           // Variable
  const VarRole role;               // Variable
  const int index;                  // Variable: position among its function's inputs of that role
  const int attr0, attr1;           // Slice: row0, col0.  Concat: axis in attr0.

  bool is(Op o) const { return op == o; }
  bool isConstant() const { return op == Op::Constant; }
  /// A Constant whose every element equals v.
  bool isConstantValue(double v) const;

  struct Init {
    Op op;
    Shape shape;
    std::vector<Expr> args;
    std::vector<double> values = {};
    std::string name = {};
    VarRole role = VarRole::State;
    int index = 0;
    int attr0 = 0, attr1 = 0;
  };
  /// Only builders call this (through ir/Builder.h); it checks no invariants itself.
  static Expr make(Init init);

private:
  explicit Node(Init &&init);
};

/// A set of named outputs computed from a list of Variable inputs: the unit that code
/// generation, printing and interpretation work on.
struct Function {
  std::string name;
  std::vector<Expr> inputs;  // Variable nodes, in ABI order
  std::vector<Expr> outputs;
  std::vector<std::string> outputNames;
};

/// Nodes reachable from `roots`, each once, every node after its arguments.
std::vector<const Node *> topologicalOrder(const std::vector<Expr> &roots);

} // namespace odec::ir
