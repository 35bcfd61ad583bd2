// The machine that compiled code is for: an LLVM CPU name (a model such as `znver3`, or one of
// the x86-64 levels `x86-64`, `x86-64-v2`, `-v3`, `-v4`), the instruction-set features it
// implies, and the codegen::MachineModel derived from them that shapes the generated code. Every
// compile names its target (CompileOptions::cpu); the default is the machine odec runs on, so
// nothing assumes the instruction set of the machine odec was built on. Code that is to run in
// this process must be for a CPU whose features this machine has (requireRunsHere); code that is
// only written out (emit-llvm, object files) may be for any.
#pragma once

#include "codegen/MachineModel.h"

#include <string>
#include <vector>

namespace odec::jit {

struct Target {
  std::string triple;   // LLVM target triple, e.g. x86_64-pc-linux-gnu
  std::string cpu;      // LLVM CPU name, the host's own name when it was asked for
  std::string features; // LLVM feature string (host: every feature it has, "+avx2,-avx512f,…";
                        // a named CPU: empty, its features are those LLVM knows it for)
  bool host = false;    // this machine itself ("host", "native")
  codegen::MachineModel machine;
  /// Instruction-set features `cpu` implies that this machine lacks, sorted: code for the target
  /// runs here iff this is empty (always non-empty for another architecture).
  std::vector<std::string> missingHere;

  bool runsHere() const { return missingHere.empty(); }
  /// For messages and benchmark tables: "x86-64-v3 (16 vector registers of 32 bytes)".
  std::string describe() const;
};

/// The target that `cpu` names. "" means the environment variable ODEC_CPU when it is set and
/// not empty, else "host"; "host" and "native" mean this machine (its CPU name and exactly the
/// features it reports); anything else is an LLVM CPU name for `triple` ("" = this machine's
/// triple). Throws std::invalid_argument naming the CPU, with the x86-64 levels as examples, for
/// a name LLVM does not know, or for an unknown triple. Resolved once per (cpu, triple) and
/// process; thread-safe.
const Target &resolveTarget(const std::string &cpu, const std::string &triple = "");

/// Throws std::invalid_argument unless code for `target` can run on this machine: "CPU
/// 'x86-64-v4' needs avx512bw, avx512cd, … which this machine lacks; code for it can be written
/// (emit-llvm, build -o X.o) but not run here".
void requireRunsHere(const Target &target);

/// The x86-64 levels whose code runs on this machine, lowest first: x86-64-v2, x86-64-v3 and
/// x86-64-v4 as far as the CPU goes (the baseline x86-64 is left out: it is v2 without
/// SSE3/SSSE3/SSE4/POPCNT and nothing in odec's code differs between them). Empty on other
/// architectures.
std::vector<std::string> runnableLevels();

} // namespace odec::jit
