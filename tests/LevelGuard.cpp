// Linked into every unit-test binary. The JIT's tests also run once per x86-64 level
// (tests/CMakeLists.txt: ODEC_CPU=x86-64-v2, -v3, -v4), on whatever machine runs them; a level
// this machine cannot run ends the binary with CTest's skip code before any test starts, rather
// than failing every test on code that cannot execute here.
#include "jit/Target.h"

#include <cstdio>
#include <cstdlib>
#include <exception>

namespace {

const bool kLevelChecked = [] {
  const char *cpu = std::getenv("ODEC_CPU");
  if (!cpu || !*cpu)
    return true;
  try {
    if (!odec::jit::resolveTarget("").runsHere()) {
      std::fprintf(stderr, "skipped: this machine cannot run code for ODEC_CPU=%s\n", cpu);
      std::exit(77);
    }
  } catch (const std::exception &e) {
    std::fprintf(stderr, "ODEC_CPU=%s: %s\n", cpu, e.what());
    std::exit(1);
  }
  return true;
}();

} // namespace
