#include "codegen/Loops.h"

namespace odec::codegen {

void emitLoop(llvm::IRBuilder<> &b, llvm::Value *count,
              const std::function<void(llvm::Value *)> &body, int64_t stride,
              bool straightLine) {
  llvm::Type *i64 = b.getInt64Ty();
  auto *known = llvm::dyn_cast<llvm::ConstantInt>(count);
  if (known && known->getSExtValue() <= 0)
    return;
  if (known && straightLine && known->getSExtValue() <= kStraightLineIterations * stride) {
    for (int64_t i = 0; i < known->getSExtValue(); i += stride)
      body(llvm::ConstantInt::get(i64, i));
    return;
  }
  llvm::Function *f = b.GetInsertBlock()->getParent();
  llvm::LLVMContext &ctx = b.getContext();
  auto *header = llvm::BasicBlock::Create(ctx, "loop", f);
  auto *exit = llvm::BasicBlock::Create(ctx, "loop.end", f);
  llvm::BasicBlock *entry = b.GetInsertBlock();
  // A count only known at run time may be zero: test before the first iteration.
  if (known)
    b.CreateBr(header);
  else
    b.CreateCondBr(b.CreateICmpSGT(count, llvm::ConstantInt::get(i64, 0)), header, exit);
  b.SetInsertPoint(header);
  llvm::PHINode *i = b.CreatePHI(i64, 2, "i");
  i->addIncoming(llvm::ConstantInt::get(i64, 0), entry);
  body(i);
  llvm::Value *next = b.CreateAdd(i, llvm::ConstantInt::get(i64, stride), "i.next");
  i->addIncoming(next, b.GetInsertBlock());
  llvm::BranchInst *latch = b.CreateCondBr(b.CreateICmpSLT(next, count), header, exit);
  if (known && known->getSExtValue() < kUnrollableIterations * stride) {
    // loop ID = !{self, !{"llvm.loop.unroll.disable"}}
    llvm::Metadata *disable = llvm::MDString::get(ctx, "llvm.loop.unroll.disable");
    llvm::MDNode *id = llvm::MDNode::getDistinct(ctx, {nullptr, llvm::MDNode::get(ctx, disable)});
    id->replaceOperandWith(0, id);
    latch->setMetadata(llvm::LLVMContext::MD_loop, id);
  }
  b.SetInsertPoint(exit);
}

void emitLoop(llvm::IRBuilder<> &b, int64_t count, const std::function<void(llvm::Value *)> &body) {
  emitLoop(b, llvm::ConstantInt::get(b.getInt64Ty(), count), body);
}

} // namespace odec::codegen
