// Clang 14 inside odec: C++17 source text compiled in process (libclang-cpp) into an LLVM
// module optimized for the host CPU, then either written as a relocatable ELF object or added
// to an ORC LLJIT. A user of `odec build` or `odec jit --via cpp` needs no compiler installed
// beyond odec's own shared libraries and Clang's builtin headers (libclang-common-14-dev).
//
// The source is always code odec generated, so anything Clang rejects is a bug in odec: it is
// an odec::InternalError quoting each error's `name:line:col` and the generated line. A
// missing installation (Clang's resource directory) is a std::runtime_error saying what to
// install. This header includes no Clang or LLVM headers.
//
// Paths: the Clang driver path and the resource directory are fixed at build time from
// LLVM's CMake package (LLVM_TOOLS_BINARY_DIR/clang, LLVM_LIBRARY_DIR/clang/<version>); the
// environment variable ODEC_CLANG_RESOURCE_DIR overrides the latter, for relocated installs.
#pragma once

#include <memory>
#include <string>

namespace odec::cxx {

/// C++ text and the name diagnostics give it (`<emit-cpp:Spiral>`).
struct Source {
  std::string name;
  std::string text;
};

/// Clang's -O level (0..3) and the CPU (jit/Target.h: "" = $ODEC_CPU, else this machine's,
/// -march=native); the code is PIC and compiled without exceptions or errno-setting math, as
/// C++17. Code loaded into this process (compileAndLoad) must be for a CPU this machine has.
struct CompileOptions {
  int optLevel = 2;
  std::string cpu;
};

/// A relocatable ELF object (the file's bytes) for options' CPU; position-independent, so it
/// links into a shared library.
std::string compileToObject(const Source &source, const CompileOptions &options = {});

/// Machine code loaded into this process; owns it (the JIT). Non-copyable.
class LoadedCode {
public:
  virtual ~LoadedCode() = default;
  LoadedCode(const LoadedCode &) = delete;
  LoadedCode &operator=(const LoadedCode &) = delete;
  /// The address of an extern "C" symbol; InternalError when it is not defined.
  virtual void *symbol(const std::string &name) const = 0;

protected:
  LoadedCode() = default;
};

/// Compiles and adds the module to a fresh LLJIT that also resolves the process's symbols
/// (libm's tanh, exp, ...).
std::unique_ptr<LoadedCode> compileAndLoad(const Source &source,
                                           const CompileOptions &options = {});

/// Links an object (compileToObject's bytes) into the shared library `path` with the system
/// linker `ld` (binutils), against libm and libc. std::runtime_error when ld cannot be run or
/// fails (its exit status in the message).
void linkSharedLibrary(const std::string &object, const std::string &path);

/// The resource directory in use (builtin headers such as <stddef.h> live in its include/).
/// Throws std::runtime_error naming the directory and the package when it is missing.
std::string clangResourceDir();

} // namespace odec::cxx
