#include "jit/NativeTarget.h"

#include <llvm/Support/TargetSelect.h>

#include <mutex>

namespace odec::jit {

void initializeNativeTarget() {
  static std::once_flag once;
  std::call_once(once, [] {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
    llvm::InitializeNativeTargetAsmParser();
  });
}

} // namespace odec::jit
