#include "jit/NativeTarget.h"

#include <llvm/Support/ErrorHandling.h>
#include <llvm/Support/TargetSelect.h>

#include <cstdio>
#include <cstdlib>
#include <mutex>

namespace odec::jit {

namespace {

/// LLVM ends the process on a fatal error, by default with "LLVM ERROR: …" and abort() (a
/// crash, a core dump). odec's own failures are exceptions; an LLVM fatal error while it
/// compiles is a bug in odec's code or in LLVM, and a handler may not return into LLVM, so the
/// process still ends, but as odec ends on an internal error: its message, status 70
/// (EX_SOFTWARE, the CLI's internal-error status).
void reportFatalError(void *, const char *reason, bool) {
  std::fprintf(stderr,
               "odec: internal error: LLVM: %s\n(this is a bug in odec; please report it with "
               "the input that caused it)\n",
               reason);
  std::fflush(stderr);
  std::_Exit(kLlvmFatalErrorStatus);
}

} // namespace

void initializeNativeTarget() {
  static std::once_flag once;
  std::call_once(once, [] {
    llvm::install_fatal_error_handler(reportFatalError);
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
    llvm::InitializeNativeTargetAsmParser();
  });
}

} // namespace odec::jit
