#include "codegen/FunctionCodegen.h"

#include "codegen/ExprEvaluator.h"
#include "codegen/Loops.h"
#include "support/InternalError.h"

namespace odec::codegen {

using llvm::Value;

int64_t totalElements(const std::vector<ir::Expr> &exprs) {
  int64_t n = 0;
  for (const ir::Expr &e : exprs)
    n += e->shape.size();
  return n;
}

llvm::Function *emitPointFunction(llvm::Module &m, const ir::Function &fn,
                                  const std::string &name) {
  llvm::LLVMContext &ctx = m.getContext();
  llvm::IRBuilder<> b(ctx);
  llvm::Type *ptr = llvm::PointerType::getUnqual(b.getDoubleTy());
  auto *f = llvm::Function::Create(llvm::FunctionType::get(b.getVoidTy(), {ptr, ptr}, false),
                                   llvm::Function::ExternalLinkage, name, m);
  f->setDoesNotThrow();
  f->getArg(0)->setName("inputs");
  f->getArg(1)->setName("outputs");
  for (unsigned i = 0; i < 2; ++i) {
    f->addParamAttr(i, llvm::Attribute::NoAlias);
    f->addParamAttr(i, llvm::Attribute::NoCapture);
  }
  f->addParamAttr(0, llvm::Attribute::ReadOnly);
  b.SetInsertPoint(llvm::BasicBlock::Create(ctx, "entry", f));

  TensorEmitter te(b, 1);
  TensorMap inputs;
  const Tensor in{f->getArg(0), Shape::vector(1), false},
      out{f->getArg(1), Shape::vector(1), false};
  int64_t offset = 0;
  for (const ir::Expr &v : fn.inputs) {
    internalCheck(v->is(ir::Op::Variable), "emitPointFunction: an input is not a Variable");
    inputs[v.get()] = te.view(in, offset, v->shape);
    offset += v->shape.size();
  }
  ExprEvaluator eval(te, fn.outputs, inputs, {}, "function " + fn.name);
  offset = 0;
  for (const ir::Expr &o : fn.outputs) {
    const Tensor &value = eval.uniformValues().at(o.get());
    const Tensor dst = te.view(out, offset, o->shape);
    emitLoop(b, o->shape.size(), [&](Value *i) { te.store(dst, i, te.load(value, i, false)); });
    offset += o->shape.size();
  }
  te.freeHeapStorage();
  b.CreateRetVoid();
  return f;
}

} // namespace odec::codegen
