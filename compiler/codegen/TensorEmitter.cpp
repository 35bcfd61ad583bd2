#include "codegen/TensorEmitter.h"

#include "codegen/ElementwiseMath.h"
#include "codegen/Loops.h"
#include "support/InternalError.h"

#include <llvm/IR/Module.h>

#include <algorithm>
#include <string>

namespace odec::codegen {

using llvm::Value;

TensorEmitter::TensorEmitter(llvm::IRBuilder<> &b, int width, Precision precision,
                             const MachineModel &machine)
    : b_(b), width_(width), machine_(machine), precision_(precision),
      realTy_(precision == Precision::Float ? b.getFloatTy() : b.getDoubleTy()),
      varyingTy_(width == 1 ? realTy_ : llvm::FixedVectorType::get(realTy_, unsigned(width))) {
  internalCheck(width >= 1, "TensorEmitter: vector width must be positive");
}

llvm::Type *TensorEmitter::elementType(bool varying) const {
  return varying ? varyingTy_ : realTy_;
}

Value *TensorEmitter::real(double v) { return llvm::ConstantFP::get(realTy_, v); }

namespace {

/// t with its scalar type replaced by s (vectors keep their length).
llvm::Type *withScalar(llvm::Type *t, llvm::Type *s) {
  if (auto *vt = llvm::dyn_cast<llvm::FixedVectorType>(t))
    return llvm::FixedVectorType::get(s, vt->getNumElements());
  return s;
}

} // namespace

Value *TensorEmitter::toReal(Value *d) {
  return b_.CreateFPCast(d, withScalar(d->getType(), realTy_));
}

Value *TensorEmitter::toDouble(Value *r) {
  return b_.CreateFPCast(r, withScalar(r->getType(), b_.getDoubleTy()));
}

Value *TensorEmitter::splat(Value *scalar) {
  return width_ == 1 ? scalar : b_.CreateVectorSplat(unsigned(width_), scalar);
}

Value *TensorEmitter::fromLanes(Value *lanes) {
  return width_ == 1 ? b_.CreateExtractElement(lanes, uint64_t(0)) : lanes;
}

Value *TensorEmitter::toLanes(Value *v) {
  return width_ == 1 ? b_.CreateVectorSplat(1, v) : v;
}

Value *TensorEmitter::sumLanes(Value *v) {
  Value *lanes = toLanes(v);
  Value *sum = toDouble(b_.CreateExtractElement(lanes, uint64_t(0)));
  for (int l = 1; l < width_; ++l)
    sum = b_.CreateFAdd(sum, toDouble(b_.CreateExtractElement(lanes, uint64_t(l))));
  return sum;
}

Value *TensorEmitter::index(int64_t i) { return b_.getInt64(uint64_t(i)); }

Tensor TensorEmitter::allocate(const Shape &shape, bool varying, const llvm::Twine &name) {
  llvm::Function *f = b_.GetInsertBlock()->getParent();
  llvm::IRBuilder<> entry(&f->getEntryBlock(), f->getEntryBlock().begin());
  llvm::Type *ty = elementType(varying);
  const llvm::DataLayout &dl = f->getParent()->getDataLayout();
  const uint64_t bytes = uint64_t(shape.size()) * dl.getTypeAllocSize(ty).getFixedSize();
  if (bytes <= kMaxStackTensorBytes && stackBytes_ + bytes <= kStackBudgetBytes) {
    stackBytes_ += bytes;
    return {entry.CreateAlloca(ty, index(shape.size()), name), shape, varying};
  }
  // Vector loads and stores assume the type's alignment; aligned_alloc wants a size that is a
  // multiple of it.
  const uint64_t align = std::max<uint64_t>(64, dl.getPrefTypeAlign(ty).value());
  llvm::Type *ptrTy = llvm::PointerType::getUnqual(b_.getInt8Ty());
  llvm::FunctionCallee alloc =
      f->getParent()->getOrInsertFunction("aligned_alloc", ptrTy, b_.getInt64Ty(), b_.getInt64Ty());
  // Distinct buffers: alias analysis may then keep values in registers across stores to others.
  llvm::cast<llvm::Function>(alloc.getCallee())->addRetAttr(llvm::Attribute::NoAlias);
  llvm::Value *raw = entry.CreateCall(
      alloc, {index(int64_t(align)), index(int64_t((bytes + align - 1) / align * align))}, name);
  heap_.push_back(raw);
  return {entry.CreateBitCast(raw, llvm::PointerType::getUnqual(ty)), shape, varying};
}

void TensorEmitter::freeHeapStorage() {
  if (heap_.empty())
    return;
  llvm::Module *m = b_.GetInsertBlock()->getModule();
  llvm::FunctionCallee release =
      m->getOrInsertFunction("free", b_.getVoidTy(), llvm::PointerType::getUnqual(b_.getInt8Ty()));
  for (llvm::Value *p : heap_)
    b_.CreateCall(release, {p});
}

Value *TensorEmitter::load(const Tensor &t, Value *i, bool asVarying) {
  llvm::Type *ty = elementType(t.varying);
  Value *v = b_.CreateLoad(ty, b_.CreateInBoundsGEP(ty, t.ptr, i));
  return asVarying && !t.varying ? splat(v) : v;
}

void TensorEmitter::store(const Tensor &t, Value *i, Value *value) {
  b_.CreateStore(value, b_.CreateInBoundsGEP(elementType(t.varying), t.ptr, i));
}

Tensor TensorEmitter::view(const Tensor &t, int64_t offset, const Shape &shape) {
  return view(t, index(offset), shape);
}

Tensor TensorEmitter::view(const Tensor &t, Value *offset, const Shape &shape) {
  return {b_.CreateInBoundsGEP(elementType(t.varying), t.ptr, offset), shape, t.varying};
}

void TensorEmitter::setStorageScope(int scope, Value *copy, int64_t copies) {
  internalCheck(copies == 1 || (copies > 1 && copy), "setStorageScope: copies need a copy index");
  scope_ = scope;
  scopeCopy_ = copies == 1 ? nullptr : copy;
  scopeCopies_ = copies;
}

void TensorEmitter::relocateScope(int scope, Relocation relocate) {
  relocations_[scope] = std::move(relocate);
}

Tensor TensorEmitter::storedValue(const ir::Node &n, int scope, Value *copy) {
  auto it = storage_.find({&n, scope});
  if (it == storage_.end())
    return {};
  const Storage &s = it->second;
  if (s.copies == 1)
    return s.base;
  return view(s.base, b_.CreateMul(copy, index(n.shape.size())), n.shape);
}

Value *TensorEmitter::flat(Value *r, int64_t cols, Value *c) {
  return b_.CreateAdd(b_.CreateMul(r, index(cols)), c);
}

void TensorEmitter::forEachElement(const Tensor &out,
                                   const std::function<Value *(Value *, Value *)> &value) {
  const int64_t cols = out.shape.cols;
  emitLoop(b_, out.shape.rows, [&](Value *r) {
    emitLoop(b_, cols, [&](Value *c) { store(out, flat(r, cols, c), value(r, c)); });
  });
}

Tensor TensorEmitter::constantTable(const std::vector<double> &values, const Shape &shape) {
  llvm::Module *m = b_.GetInsertBlock()->getModule();
  auto *ty = llvm::ArrayType::get(realTy_, values.size());
  llvm::Constant *init =
      precision_ == Precision::Float
          ? llvm::ConstantDataArray::get(b_.getContext(), llvm::ArrayRef<float>(std::vector<float>(
                                                              values.begin(), values.end())))
          : llvm::ConstantDataArray::get(b_.getContext(), llvm::ArrayRef<double>(values));
  auto *g = new llvm::GlobalVariable(*m, ty, /*isConstant=*/true, llvm::GlobalValue::PrivateLinkage,
                                     init, "const");
  g->setUnnamedAddr(llvm::GlobalValue::UnnamedAddr::Global);
  // A constant expression, so the address is valid in every block.
  return {llvm::ConstantExpr::getInBoundsGetElementPtr(
              ty, g, llvm::ArrayRef<llvm::Constant *>{b_.getInt64(0), b_.getInt64(0)}),
          shape, false};
}

void TensorEmitter::matmul(const Tensor &out, const Tensor &a, const Tensor &bt, bool accumulate,
                           const Tensor *addend) {
  // out[r, c] (+)= sum_j a[r, j] * b[j, c], accumulated in place with fused multiply-adds in the
  // order of j. Batch-vectorized code computes MachineModel::matMulRowBlock rows at a time
  // (register blocking): each b[j, c] load then feeds that many FMAs, and the rows' sums are independent
  // dependency chains, where one row at a time is one chain bound by the FMA's latency.
  // Single rows where that gains nothing: one-lane code (LLVM vectorizes those loops over the
  // elements instead) and short straight-line sums (their chains are short already, and
  // blocks of rows would only multiply code: the spiral's adjoint ran 1.3x slower), except
  // a short sum accumulated into a long row (the adjoint's θ̄ += Ā·B̄ over a step's stages):
  // blocks of 4 rows keep their Ā values in registers along the row, so each B̄ load feeds 4
  // FMAs (W2's adjoint 3-5 % faster).
  const int64_t rows = out.shape.rows, inner = a.shape.cols, cols = out.shape.cols;
  const bool v = out.varying;
  int64_t block = 1;
  if (width_ > 1 && inner > kStraightLineIterations)
    block = std::min(machine_.matMulRowBlock(width_, realBytes()), rows);
  else if (width_ > 1 && accumulate && cols >= kUnrollableIterations)
    block = std::min({kShortSumRowBlock, machine_.matMulRowBlock(width_, realBytes()), rows});
  const int64_t blocked = rows / block * block;
  auto rowBlock = [&](Value *r0, int64_t n) {
    emitLoop(b_, cols, [&](Value *c) {
      std::vector<Value *> at; // out[r0 + i, c]
      for (int64_t i = 0; i < n; ++i) {
        at.push_back(flat(b_.CreateAdd(r0, index(i)), cols, c));
        if (!accumulate)
          store(out, at.back(), llvm::ConstantFP::get(elementType(v), 0.0));
      }
      emitLoop(b_, inner, [&](Value *j) {
        Value *y = load(bt, flat(j, cols, c), v);
        for (int64_t i = 0; i < n; ++i) {
          Value *x = load(a, flat(b_.CreateAdd(r0, index(i)), inner, j), v);
          Value *acc = load(out, at[size_t(i)], v);
          store(out, at[size_t(i)],
                b_.CreateIntrinsic(llvm::Intrinsic::fmuladd, {x->getType()}, {x, y, acc}));
        }
      });
      if (addend) // the sums are still in registers: the add costs no pass of its own
        for (Value *e : at)
          store(out, e, b_.CreateFAdd(load(out, e, v), load(*addend, e, v)));
    });
  };
  emitLoop(b_, index(blocked), [&](Value *r0) { rowBlock(r0, block); }, block);
  emitLoop(b_, rows - blocked, [&](Value *r) { rowBlock(b_.CreateAdd(r, index(blocked)), 1); });
}

void TensorEmitter::addProduct(const Tensor &out, const Tensor &a, const Tensor &b) {
  internalCheck(a.shape.rows == out.shape.rows && a.shape.cols == b.shape.rows &&
                    b.shape.cols == out.shape.cols && (out.varying || !(a.varying || b.varying)),
                "TensorEmitter::addProduct: shapes do not match");
  matmul(out, a, b, true);
}

Value *TensorEmitter::concatenate(std::vector<Value *> parts) {
  // Pairwise, since a shuffle joins two vectors of one type.
  internalCheck(!parts.empty() && (parts.size() & (parts.size() - 1)) == 0,
                "TensorEmitter::concatenate: the count must be a power of two");
  while (parts.size() > 1) {
    std::vector<Value *> joined;
    for (size_t k = 0; k + 1 < parts.size(); k += 2) {
      const auto n = llvm::cast<llvm::FixedVectorType>(parts[k]->getType())->getNumElements();
      std::vector<int> lanes;
      for (unsigned l = 0; l < 2 * n; ++l)
        lanes.push_back(int(l));
      joined.push_back(b_.CreateShuffleVector(parts[k], parts[k + 1], lanes));
    }
    parts = joined;
  }
  return parts[0];
}

int TensorEmitter::realBytes() const { return int(realTy_->getPrimitiveSizeInBits() / 8); }

int TensorEmitter::chainGroup() const {
  return std::clamp(machine_.chainGroupBytes() / (width_ * realBytes()), 1, kChainGroup);
}

bool TensorEmitter::hasLongChain(ir::Op op) {
  return op == ir::Op::Tanh || op == ir::Op::Exp || op == ir::Op::Sigmoid;
}

void TensorEmitter::elementGroups(const Tensor &out, const Tensor &a, ir::Op op) {
  // exp's polynomial is a chain of dependent fused multiply-adds, and one element's chain
  // alone leaves the FMA units idle for most of its latency; the out-of-order window holds
  // too few of the next elements' instructions to fill the gaps. kChainGroup elements as one
  // <G·W x real> value: LLVM splits every instruction into G adjacent register-sized ones, so
  // the G chains are interleaved instruction by instruction. G·W lanes of at most
  // MachineModel::chainGroupBytes (256 bytes, 4 registers, on AVX-512; 64 on AVX2): with more,
  // the interleaved polynomials need more than the machine's vector registers,
  // and the spills cost more than the chains' latency (W2 at 16 lanes, docs/performance.md
  // section 12).
  const int g = chainGroup();
  const int64_t size = out.shape.size(), whole = size / g * g;
  if (whole > 0)
    b_.CreateCall(groupFunction(op), {out.ptr, a.ptr, index(whole)});
  for (int64_t k = whole; k < size; ++k)
    emitGroup(out, a, op, index(k), 1);
}

void TensorEmitter::emitGroup(const Tensor &out, const Tensor &a, ir::Op op, Value *i, int g) {
  std::vector<Value *> parts;
  for (int k = 0; k < g; ++k)
    parts.push_back(load(a, b_.CreateAdd(i, index(k)), true));
  Value *y = emitElementwise(b_, op, {concatenate(parts)});
  for (int k = 0; k < g; ++k) {
    std::vector<int> lanes;
    for (int l = 0; l < width_; ++l)
      lanes.push_back(k * width_ + l);
    store(out, b_.CreateAdd(i, index(k)), g == 1 ? y : b_.CreateShuffleVector(y, lanes));
  }
}

llvm::Function *TensorEmitter::groupFunction(ir::Op op) {
  // One function per op and module, called for every node and stage: the group loop is the
  // largest code a field has (a polynomial on G·W lanes), and inlined copies of it cost
  // instruction selection and register allocation time per copy (docs/performance.md,
  // section 11). Its own function also gets all vector registers, whatever the caller's
  // loops keep live around the call. The loop stays rolled for the same reason.
  llvm::Module *m = b_.GetInsertBlock()->getModule();
  const std::string name = std::string("odec.groups.") + ir::opInfo(op).name + ".v" +
                           std::to_string(width_) +
                           (precision_ == Precision::Float ? "f32" : "f64");
  if (llvm::Function *f = m->getFunction(name))
    return f;
  llvm::Type *ptr = llvm::PointerType::getUnqual(varyingTy_);
  auto *f = llvm::Function::Create(
      llvm::FunctionType::get(b_.getVoidTy(), {ptr, ptr, b_.getInt64Ty()}, false),
      llvm::Function::InternalLinkage, name, m);
  f->setDoesNotThrow();
  f->addFnAttr(llvm::Attribute::NoInline);
  for (unsigned i = 0; i < 2; ++i) { // out and in are distinct node buffers
    f->addParamAttr(i, llvm::Attribute::NoAlias);
    f->addParamAttr(i, llvm::Attribute::NoCapture);
  }
  f->addParamAttr(1, llvm::Attribute::ReadOnly);
  llvm::IRBuilderBase::InsertPointGuard guard(b_);
  b_.SetInsertPoint(llvm::BasicBlock::Create(b_.getContext(), "entry", f));
  const Tensor out{f->getArg(0), Shape::vector(1), true}, in{f->getArg(1), Shape::vector(1), true};
  emitLoop(
      b_, f->getArg(2), [&](Value *i) { emitGroup(out, in, op, i, chainGroup()); }, chainGroup(),
      false);
  b_.CreateRetVoid();
  return f;
}

void TensorEmitter::sumTo(const Tensor &out, const Tensor &a) {
  // Zero the result, then add every input element into the cell it collapses onto, in
  // row-major order like the interpreter.
  const bool v = out.varying;
  emitLoop(b_, out.shape.size(),
           [&](Value *i) { store(out, i, llvm::ConstantFP::get(elementType(v), 0.0)); });
  const Shape &s = a.shape, &t = out.shape;
  emitLoop(b_, s.rows, [&](Value *r) {
    emitLoop(b_, s.cols, [&](Value *c) {
      Value *dst = flat(t.rows == 1 ? index(0) : r, t.cols, t.cols == 1 ? index(0) : c);
      store(out, dst, b_.CreateFAdd(load(out, dst, v), load(a, flat(r, s.cols, c), v)));
    });
  });
}

Tensor TensorEmitter::output(const ir::Node &n, bool varying) {
  const int scope = varying ? scope_ : 0;
  const int64_t copies = varying ? scopeCopies_ : 1;
  auto it = storage_.find({&n, scope});
  if (it == storage_.end() || it->second.base.varying != varying || it->second.copies != copies) {
    const Shape all = copies == 1 ? n.shape : Shape::vector(int(copies * n.shape.size()));
    Tensor base = allocate(all, varying, ir::opInfo(n.op).name);
    if (auto r = relocations_.find(scope); varying && r != relocations_.end())
      base = r->second(base);
    it = storage_.insert_or_assign({&n, scope}, Storage{base, copies}).first;
  }
  return copies == 1 ? it->second.base : storedValue(n, scope, scopeCopy_);
}

bool TensorEmitter::isFusable(const ir::Node &n) {
  const ir::OpCategory c = ir::opInfo(n.op).category;
  return (c == ir::OpCategory::Unary || c == ir::OpCategory::Binary) && !hasLongChain(n.op);
}

Tensor TensorEmitter::emitFused(const ir::Node &n, const TensorMap &values) {
  internalCheck(isFusable(n), "TensorEmitter::emitFused: not an elementwise op");
  std::function<bool(const ir::Node &)> isVarying = [&](const ir::Node &m) {
    if (auto it = values.find(&m); it != values.end())
      return it->second.varying;
    return std::any_of(m.args.begin(), m.args.end(),
                       [&](const ir::Expr &a) { return isVarying(*a); });
  };
  const bool varying = isVarying(n);
  const Tensor out = output(n, varying);
  emitLoop(b_, n.shape.size(), [&](Value *i) {
    std::function<Value *(const ir::Node &)> element = [&](const ir::Node &m) -> Value * {
      if (auto it = values.find(&m); it != values.end())
        return load(it->second, i, varying);
      std::vector<Value *> xs;
      for (const ir::Expr &a : m.args)
        xs.push_back(element(*a));
      return emitElementwise(b_, m, xs);
    };
    std::vector<Value *> xs;
    for (const ir::Expr &a : n.args)
      xs.push_back(element(*a));
    store(out, i, emitElementwise(b_, n, xs));
  });
  return out;
}

Tensor TensorEmitter::emitProductPlus(const ir::Node &n, const Tensor &a, const Tensor &b,
                                      const Tensor &addend) {
  internalCheck(n.is(ir::Op::Add) && a.shape.rows == n.shape.rows &&
                    b.shape.cols == n.shape.cols && addend.shape.size() == n.shape.size(),
                "TensorEmitter::emitProductPlus: shapes do not match");
  const Tensor out = output(n, a.varying || b.varying || addend.varying);
  matmul(out, a, b, false, &addend);
  return out;
}

Tensor TensorEmitter::emit(const ir::Node &n, const std::vector<Tensor> &args) {
  using ir::Op;
  if (n.is(Op::Constant)) { // a global: one per node, whichever stage meets it first
    auto [it, fresh] = storage_.try_emplace({&n, 0});
    if (fresh)
      it->second = {constantTable(n.values, n.shape), 1};
    return it->second.base;
  }
  internalCheck(!n.is(Op::Variable), "TensorEmitter: variables are bound by the caller");
  bool varying = false;
  for (const Tensor &a : args)
    varying = varying || a.varying;
  const Tensor out = output(n, varying);
  const Shape &s = n.shape;

  switch (ir::opInfo(n.op).category) {
  case ir::OpCategory::Unary:
    if (varying && width_ > 1 && hasLongChain(n.op) && s.size() >= chainGroup()) {
      elementGroups(out, args[0], n.op);
      return out;
    }
    [[fallthrough]];
  case ir::OpCategory::Binary:
    emitLoop(b_, s.size(), [&](Value *i) {
      std::vector<Value *> xs;
      for (const Tensor &a : args)
        xs.push_back(load(a, i, varying));
      store(out, i, emitElementwise(b_, n, xs));
    });
    return out;
  case ir::OpCategory::Leaf:
  case ir::OpCategory::Structural: break;
  }
  const Tensor &a = args[0];
  const Shape &as = a.shape;
  switch (n.op) {
  case Op::MatMul: matmul(out, a, args[1], false); break;
  case Op::Transpose:
    forEachElement(out, [&](Value *r, Value *c) { return load(a, flat(c, as.cols, r), varying); });
    break;
  case Op::Broadcast:
    forEachElement(out, [&](Value *r, Value *c) {
      return load(a, flat(as.rows == 1 ? index(0) : r, as.cols, as.cols == 1 ? index(0) : c),
                  varying);
    });
    break;
  case Op::SumTo: sumTo(out, a); break;
  case Op::Slice:
    forEachElement(out, [&](Value *r, Value *c) {
      return load(a,
                  flat(b_.CreateAdd(r, index(n.attr0)), as.cols, b_.CreateAdd(c, index(n.attr1))),
                  varying);
    });
    break;
  case Op::Concat: {
    int64_t offset = 0; // rows (axis 0) or columns (axis 1) already filled
    for (const Tensor &part : args) {
      const Shape &ps = part.shape;
      emitLoop(b_, ps.rows, [&](Value *r) {
        emitLoop(b_, ps.cols, [&](Value *c) {
          Value *dst = n.attr0 == 0 ? flat(b_.CreateAdd(r, index(offset)), s.cols, c)
                                    : flat(r, s.cols, b_.CreateAdd(c, index(offset)));
          store(out, dst, load(part, flat(r, ps.cols, c), varying));
        });
      });
      offset += n.attr0 == 0 ? ps.rows : ps.cols;
    }
    break;
  }
  default: throw InternalError(std::string("TensorEmitter: unhandled op ") + ir::opInfo(n.op).name);
  }
  return out;
}

} // namespace odec::codegen
