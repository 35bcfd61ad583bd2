// The on-disk cache of compiled code (jit/ObjectCache.h): a second compile of the same module
// loads it instead of generating code; entries that are corrupt, truncated, foreign or in a
// directory others may write are never loaded; --no-cache writes nothing.
#include "JitTestSupport.h"

#include "jit/ObjectCache.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <unistd.h>

using namespace odec;
using namespace odec::testing;
namespace fs = std::filesystem;

namespace {

/// A private cache directory for one test, named by ODEC_CACHE_DIR while it lives.
class CacheDir {
public:
  CacheDir() {
    path_ = fs::temp_directory_path() / ("odec_cache_test_" + std::to_string(::getpid()));
    fs::remove_all(path_);
    setenv("ODEC_CACHE_DIR", path_.c_str(), 1);
  }
  ~CacheDir() {
    unsetenv("ODEC_CACHE_DIR");
    fs::remove_all(path_);
  }
  const fs::path &path() const { return path_; }
  std::vector<fs::path> entries() const {
    std::vector<fs::path> out;
    if (fs::exists(path_))
      for (const auto &e : fs::directory_iterator(path_))
        out.push_back(e.path());
    return out;
  }

private:
  fs::path path_;
};

std::string readAll(const fs::path &p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void writeAll(const fs::path &p, const std::string &s) {
  std::ofstream(p, std::ios::binary | std::ios::trunc) << s;
}

/// Compiles the spiral's RK4 simulator; true when its code was generated (not loaded), which
/// the phase times tell: a cache hit spends nothing on emitting IR.
struct Compiled {
  std::vector<double> trajectory;
  bool generated;
};

Compiled compileSpiral(bool cache = true) {
  jit::CompilePhaseTimes times;
  jit::CompileOptions options = jit::defaultOptions(spiralModel());
  options.cache = cache;
  options.phaseTimes = &times;
  auto sim = jit::compileSimulator(spiralModel(), explicitTableaux()[6].tableau, options);
  const std::vector<double> params = randomVector(size_t(spiralModel().paramCount()), 3, 0.5),
                            x0 = randomVector(2 * 11, 4, 1.0);
  return {simulate(*sim, params, x0, 11, 30, 0.1, kSpiralD), times.emit > 0};
}

} // namespace

TEST(ObjectCache, SecondCompileLoadsTheStoredCode) {
  CacheDir dir;
  const Compiled first = compileSpiral();
  EXPECT_TRUE(first.generated);
  ASSERT_EQ(dir.entries().size(), 1u);
  EXPECT_EQ(fs::status(dir.path()).permissions() & fs::perms::all, fs::perms::owner_all);
  const Compiled second = compileSpiral();
  EXPECT_FALSE(second.generated);
  EXPECT_EQ(second.trajectory, first.trajectory); // the same machine code: bit-identical
  EXPECT_EQ(dir.entries().size(), 1u);
}

TEST(ObjectCache, CorruptTruncatedOrForeignEntriesAreRebuilt) {
  CacheDir dir;
  const Compiled reference = compileSpiral();
  const fs::path entry = dir.entries().at(0);
  const std::string good = readAll(entry);

  std::string flipped = good;
  flipped[flipped.size() - 100] ^= 0x40; // a byte of the machine code
  const std::string keyless = good.substr(0, 40) + "another model" + good.substr(53);
  for (const std::string &bad : {flipped, good.substr(0, good.size() / 2), keyless,
                                 std::string("not an object")}) {
    writeAll(entry, bad);
    const Compiled again = compileSpiral();
    EXPECT_TRUE(again.generated) << "a damaged entry was loaded";
    EXPECT_EQ(again.trajectory, reference.trajectory);
    EXPECT_EQ(readAll(entry), good) << "the rebuilt code replaces the damaged entry";
  }
}

TEST(ObjectCache, NoCacheWritesNothingAndLoadsNothing) {
  CacheDir dir;
  EXPECT_TRUE(compileSpiral(false).generated);
  EXPECT_TRUE(dir.entries().empty());
  compileSpiral(true);
  EXPECT_TRUE(compileSpiral(false).generated);
}

TEST(ObjectCache, ADirectoryOthersMayWriteIsNotUsed) {
  CacheDir dir;
  fs::create_directories(dir.path());
  fs::permissions(dir.path(), fs::perms::owner_all | fs::perms::group_write | fs::perms::others_all);
  EXPECT_TRUE(compileSpiral().generated);
  EXPECT_TRUE(dir.entries().empty());
}

TEST(ObjectCache, DirectoryFollowsTheEnvironment) {
  const char *home = std::getenv("HOME");
  const std::string savedHome = home ? home : "";
  unsetenv("ODEC_CACHE_DIR");
  setenv("XDG_CACHE_HOME", "/some/xdg", 1);
  EXPECT_EQ(jit::cacheDirectory(), "/some/xdg/odec");
  unsetenv("XDG_CACHE_HOME");
  setenv("HOME", "/home/someone", 1);
  EXPECT_EQ(jit::cacheDirectory(), "/home/someone/.cache/odec");
  setenv("ODEC_CACHE_DIR", "/elsewhere", 1);
  EXPECT_EQ(jit::cacheDirectory(), "/elsewhere");
  unsetenv("ODEC_CACHE_DIR");
  setenv("HOME", savedHome.c_str(), 1);
}

TEST(ObjectCache, AModuleCompiledInPartsIsStoredAndLoadedWhole) {
  // A forward solver beside its adjoint compiles in two parts (CompilePipelineTest); both
  // objects go into one entry and come back together.
  CacheDir dir;
  const ir::ModelIR model = mlpModel(16, 64);
  const std::vector<double> params = randomVector(size_t(model.paramCount()), 3, 0.3),
                            x0 = randomVector(size_t(16 * 9), 4, 1.0);
  auto run = [&](jit::CompilePhaseTimes &times) {
    jit::CompileOptions options =
        jit::defaultOptions(model, jit::Precision::Double, "x86-64-v2"); // as there
    options.phaseTimes = &times;
    const jit::CompiledSolvers solvers =
        jit::compileSolvers(model, explicitTableaux()[6].tableau, options);
    return simulate(*solvers.simulator, params, x0, 9, 10, 0.05, 16);
  };
  jit::CompilePhaseTimes first, second;
  const std::vector<double> generated = run(first);
  EXPECT_EQ(first.parts, 2);
  ASSERT_EQ(dir.entries().size(), 1u);
  const std::vector<double> loaded = run(second);
  EXPECT_EQ(second.emit, 0.0) << "the entry was not loaded";
  EXPECT_EQ(second.parts, 0);
  EXPECT_EQ(loaded, generated);
}
