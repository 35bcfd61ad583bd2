// LLVM IR for one IR node at a time. Every value lives in memory as a dense row-major array
// (an alloca in the entry block, a global for constants, or a pointer into the caller's
// buffers), and every node becomes loops over its elements; LLVM's SROA, unrolling and
// vectorizer turn the small ones into registers.
//
// An element is either a real ("uniform": the same for every trajectory of a batch chunk,
// because it depends only on parameters and constants) or a <W x real> ("varying": one lane
// per trajectory). With one lane (W = 1) a varying element is a plain real instead of a
// <1 x real>: LLVM's loop and SLP vectorizers leave vector-typed code alone, and with scalars
// they can vectorize over a tensor's elements (the hidden dimension) instead of the batch.
// Uniform elements are splatted where they meet varying ones. The real type
// is double or float (codegen/Precision.h); buffers at the ABI boundary are always double, and
// toReal/toDouble convert at the loads and stores that cross it.
#pragma once

#include "codegen/MachineModel.h"
#include "codegen/Precision.h"
#include "ir/IR.h"

#include <llvm/IR/IRBuilder.h>

#include <cstdint>
#include <functional>
#include <map>
#include <unordered_map>
#include <vector>

namespace odec::codegen {

/// A tensor in generated code: the address of element 0 and how to read it.
struct Tensor {
  llvm::Value *ptr = nullptr;
  Shape shape;
  bool varying = false; // elements are <W x real> (else real)
};

using TensorMap = std::unordered_map<const ir::Node *, Tensor>;

class TensorEmitter {
public:
  /// Emits at b's insertion point; allocas go to the entry block of b's function.
  TensorEmitter(llvm::IRBuilder<> &b, int width, Precision precision = Precision::Double,
                const MachineModel &machine = {});

  /// Computes n (any op but Variable, which the caller binds) from its arguments' tensors.
  /// The result is varying when any argument is. Its storage belongs to n and is reused when
  /// n is emitted again (once per RK stage): an evaluation overwrites the previous one.
  Tensor emit(const ir::Node &n, const std::vector<Tensor> &args);
  /// n = a·b + addend (an Add of a MatMul and a tensor of its shape) as the product's loops,
  /// the addend added to each block of sums before it is stored: the same roundings as
  /// emit() for the product and then the Add, with no pass of the Add's own.
  Tensor emitProductPlus(const ir::Node &n, const Tensor &a, const Tensor &b,
                         const Tensor &addend);
  /// Whether n can be computed inside its user's element loop (emitFused): an elementwise op
  /// but the long-chain ones, which run in group functions (see elementGroups).
  static bool isFusable(const ir::Node &n);
  /// n, an elementwise op, as one loop over its elements: each element of the nodes of n's
  /// tree that `values` lacks is computed where it is used, from those `values` holds, with
  /// no store in between. The same roundings as emit() node by node. Storage as emit()'s.
  Tensor emitFused(const ir::Node &n, const TensorMap &values);

  /// Storage of varying results is per (node, scope); emit() uses the current scope, 0 unless
  /// set. Evaluations in distinct scopes keep each other's values (the adjoint keeps each
  /// recomputed stage's field values for its VJP pass). A scope may hold `copies` copies of
  /// each node's storage, emit() then using copy `copy` (an i64 known only at run time: the
  /// stage of a rolled stage loop keeps its values in copy `stage`).
  void setStorageScope(int scope, llvm::Value *copy = nullptr, int64_t copies = 1);
  int storageScope() const { return scope_; }
  /// Copy `copy` of n's storage in `scope`, when an evaluation in that scope computed n (null
  /// ptr otherwise): a value kept by one loop, read in another.
  Tensor storedValue(const ir::Node &n, int scope, llvm::Value *copy);
  /// Where the storage lives that emit() allocates from now on for varying results in
  /// `scope`: `relocate` maps each buffer allocate() made (its pointer an instruction of the
  /// entry block) to the one used: memory the caller may hand in (the adjoint's tape).
  using Relocation = std::function<Tensor(const Tensor &allocated)>;
  void relocateScope(int scope, Relocation relocate);

  /// Fresh storage, allocated in the entry block (on the stack or the heap, see above).
  Tensor allocate(const Shape &shape, bool varying, const llvm::Twine &name = "");
  /// Frees the heap buffers allocate() made; call it at the insertion point right before each
  /// return of the function.
  void freeHeapStorage();

  static constexpr uint64_t kMaxStackTensorBytes = 16 * 1024;
  static constexpr uint64_t kStackBudgetBytes = 256 * 1024;
  /// Rows of a short sum (≤ kStraightLineIterations terms) accumulated into long rows computed
  /// together, at most (see matmul; longer sums block MachineModel::matMulRowBlock rows).
  static constexpr int64_t kShortSumRowBlock = 4;
  /// Elements of exp, tanh and sigmoid computed together in batch-vectorized code, at most
  /// (see elementGroups; the bytes of lanes they hold together: MachineModel::chainGroupBytes).
  static constexpr int kChainGroup = 4;

  /// Element `index` (an i64) of t, splatted to a vector when asVarying and t is uniform.
  llvm::Value *load(const Tensor &t, llvm::Value *index, bool asVarying);
  void store(const Tensor &t, llvm::Value *index, llvm::Value *value);
  /// out += a·b (a matrix product accumulated into out's current values, in the same order
  /// of the inner index as emit() computes a MatMul).
  void addProduct(const Tensor &out, const Tensor &a, const Tensor &b);
  /// &t[offset], a tensor of the given shape that aliases t's storage.
  Tensor view(const Tensor &t, int64_t offset, const Shape &shape);
  Tensor view(const Tensor &t, llvm::Value *offset, const Shape &shape);
  /// A uniform constant tensor (a global) holding `values` row-major, rounded to the real type.
  Tensor constantTable(const std::vector<double> &values, const Shape &shape);

  llvm::Type *elementType(bool varying) const;
  llvm::Value *splat(llvm::Value *scalar);
  llvm::Value *index(int64_t i);
  int width() const { return width_; }
  const MachineModel &machine() const { return machine_; }
  /// Bytes of one lane's real (8 for double, 4 for float).
  int realBytes() const;
  llvm::IRBuilder<> &builder() { return b_; }
  Precision precision() const { return precision_; }

  /// The real constant v (rounded to float in Float code).
  llvm::Value *real(double v);
  /// A varying value from the <W x T> vector of its lanes (the one element when W = 1).
  llvm::Value *fromLanes(llvm::Value *lanes);
  /// The <W x T> vector of a varying value's lanes (inverse of fromLanes).
  llvm::Value *toLanes(llvm::Value *v);
  /// One vector of the lanes of parts (vectors of one type, a power-of-two count), in order.
  llvm::Value *concatenate(std::vector<llvm::Value *> parts);
  /// Σ over the lanes of a varying value, in lane order, as a double.
  llvm::Value *sumLanes(llvm::Value *v);
  /// A double, or vector of doubles, from the ABI as the real type (a rounding in Float code).
  llvm::Value *toReal(llvm::Value *d);
  /// A real, or vector of reals, widened to double for the ABI (exact).
  llvm::Value *toDouble(llvm::Value *r);

private:
  /// n's storage for a result that is varying or not (see setStorageScope).
  Tensor output(const ir::Node &n, bool varying);
  /// out (+)= a·b, then out += addend (when given) as each block of sums is stored.
  void matmul(const Tensor &out, const Tensor &a, const Tensor &b, bool accumulate,
              const Tensor *addend = nullptr);
  void sumTo(const Tensor &out, const Tensor &a);
  /// Whether op's code is a long chain of dependent instructions (see elementGroups).
  static bool hasLongChain(ir::Op op);
  /// Elements per group: kChainGroupBytes of lanes, at most kChainGroup elements.
  int chainGroup() const;
  /// out = op(a) elementwise for a varying a, chainGroup() elements per instruction sequence,
  /// whole groups by a call of groupFunction(op). Needs W > 1.
  void elementGroups(const Tensor &out, const Tensor &a, ir::Op op);
  /// out[i + k] = op(a[i + k]) for k < g, as one <g·W x real> value.
  void emitGroup(const Tensor &out, const Tensor &a, ir::Op op, llvm::Value *i, int g);
  /// The module's internal `void odec.groups.<op>(out, in, n)`: elementGroups over n elements
  /// (a multiple of chainGroup()).
  llvm::Function *groupFunction(ir::Op op);
  /// for r < rows, c < cols: out[r*cols + c] = value(r, c).
  void forEachElement(const Tensor &out,
                      const std::function<llvm::Value *(llvm::Value *r, llvm::Value *c)> &value);
  llvm::Value *flat(llvm::Value *r, int64_t cols, llvm::Value *c);

  llvm::IRBuilder<> &b_;
  int width_;
  MachineModel machine_;
  Precision precision_;
  llvm::Type *realTy_;
  llvm::Type *varyingTy_; // <W x real>, or real when W = 1
  struct Storage {
    Tensor base; // copies × the node's size elements
    int64_t copies;
  };
  std::map<std::pair<const ir::Node *, int>, Storage> storage_; // by node and scope
  int scope_ = 0;
  llvm::Value *scopeCopy_ = nullptr; // the copy emit() uses in a scope of several
  int64_t scopeCopies_ = 1;
  uint64_t stackBytes_ = 0;
  std::vector<llvm::Value *> heap_; // buffers to free before returning
  std::map<int, Relocation> relocations_; // by scope
};

} // namespace odec::codegen
