// compileToObject: the module from Clang, through the host TargetMachine's object emitter.
#include "cxx/ClangFrontend.h"

#include "jit/LongBlocks.h"
#include "support/InternalError.h"

#include <llvm/IR/LegacyPassManager.h>
#include <llvm/Support/raw_ostream.h>
#include <llvm/Target/TargetMachine.h>

namespace odec::cxx {

std::string compileToObject(const Source &source, const CompileOptions &options) {
  llvm::LLVMContext context;
  std::unique_ptr<llvm::Module> module = compileToModule(source, options, context);
  llvm::Expected<std::unique_ptr<llvm::TargetMachine>> machine =
      targetMachine(options).createTargetMachine();
  if (!machine)
    throw InternalError("no TargetMachine for the host: " + llvm::toString(machine.takeError()));
  llvm::SmallVector<char, 0> bytes;
  llvm::raw_svector_ostream out(bytes);
  llvm::legacy::PassManager passes;
  if ((*machine)->addPassesToEmitFile(passes, out, nullptr, llvm::CGFT_ObjectFile))
    throw InternalError("the host TargetMachine cannot emit object files");
  jit::LongBlockCodegen longBlocks(*module);
  passes.run(*module);
  return std::string(bytes.begin(), bytes.end());
}

} // namespace odec::cxx
