// `odec build` (object files and shared libraries with the documented C symbols, loaded and
// called here) and `odec jit --via` (simulate's output through either code generator).
#include "../RelativeError.h"
#include "../cli/RunOdec.h"
#include "ElfSymbols.h"

#include "odec/odec.h"

#include <gtest/gtest.h>

#include <cmath>
#include <dlfcn.h>

namespace {

using odec::test::relativeError;

/// Spiral with parameters drawn from seed 7, written as a params file.
struct SpiralFixture : ::testing::Test {
  TempDir tmp;
  odec::Model model = odec::Program::fromFile(example("spiral.node")).model();
  std::vector<double> params = model.sampleParams(7);
  std::string paramsFile = tmp.file("params.json", model.paramsToJson(params));
};

TEST_F(SpiralFixture, ObjectFileDefinesTheDocumentedSymbols) {
  const std::string out = tmp.file("spiral.o");
  OdecResult r = runOdec("build " + example("spiral.node") + " --tableau RK4 --params " +
                         paramsFile + " -o " + out);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(definedGlobals(slurp(out)),
            (std::set<std::string>{"odec_Spiral_simulate", "odec_Spiral_loss_grad",
                                   "odec_Spiral_default_params", "odec_Spiral_state_dim",
                                   "odec_Spiral_param_count"}));
  EXPECT_EQ(model.cSymbolPrefix(), "odec_Spiral_");
}

/// dlopen-s a library built by `odec build` and runs its simulate with its baked-in params.
std::vector<double> simulateThroughLibrary(const std::string &path, std::vector<double> &baked) {
  void *lib = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  EXPECT_NE(lib, nullptr) << ::dlerror();
  if (!lib)
    return {};
  using Simulate = void (*)(const double *, const double *, double *, int64_t, int64_t, double);
  auto simulate = reinterpret_cast<Simulate>(::dlsym(lib, "odec_Spiral_simulate"));
  auto defaults = reinterpret_cast<void (*)(double *)>(::dlsym(lib, "odec_Spiral_default_params"));
  auto stateDim = reinterpret_cast<int64_t (*)()>(::dlsym(lib, "odec_Spiral_state_dim"));
  auto paramCount = reinterpret_cast<int64_t (*)()>(::dlsym(lib, "odec_Spiral_param_count"));
  EXPECT_TRUE(simulate && defaults && stateDim && paramCount);
  std::vector<double> traj;
  if (simulate && defaults && stateDim && paramCount) {
    EXPECT_EQ(stateDim(), 2);
    EXPECT_EQ(paramCount(), 82);
    baked.assign(82, 0.0);
    defaults(baked.data());
    const double x0[4] = {1.0, 0.0, -0.5, 0.25};
    traj.resize(2 * 31 * 2);
    simulate(baked.data(), x0, traj.data(), 2, 30, 0.1);
  }
  ::dlclose(lib);
  return traj;
}

TEST_F(SpiralFixture, SharedLibraryIsLoadedAndMatchesTheJit) {
  const std::string lib = tmp.file("libspiral.so");
  OdecResult r = runOdec("build " + example("spiral.node") + " --tableau RK4 --params " +
                         paramsFile + " -o " + lib);
  ASSERT_EQ(r.status, 0) << r.err;
  std::vector<double> baked;
  const std::vector<double> traj = simulateThroughLibrary(lib, baked);
  EXPECT_LE(relativeError(baked, params), 1e-15); // the params file, baked in
  const std::vector<double> ref =
      model.simulator("RK4").simulate(params, {1.0, 0.0, -0.5, 0.25}, 2, 30, 0.1);
  EXPECT_LE(relativeError(traj, ref), 1e-12);
}

TEST_F(SpiralFixture, FloatLibraryKeepsTheDoubleAbiAndStaysClose) {
  const std::string lib = tmp.file("libspiral_float.so");
  OdecResult r = runOdec("build " + example("spiral.node") +
                         " --tableau RK4 --float float --params " + paramsFile + " -o " + lib);
  ASSERT_EQ(r.status, 0) << r.err;
  std::vector<double> baked;
  const std::vector<double> traj = simulateThroughLibrary(lib, baked);
  const std::vector<double> ref =
      model.simulator("RK4").simulate(params, {1.0, 0.0, -0.5, 0.25}, 2, 30, 0.1);
  EXPECT_LE(relativeError(traj, ref), 1e-5);
  EXPECT_GT(relativeError(traj, ref), 0); // the arithmetic really is float
}

TEST_F(SpiralFixture, BuildRejectsAnOutputThatIsNeitherObjectNorLibrary) {
  OdecResult r =
      runOdec("build " + example("spiral.node") + " --tableau RK4 -o " + tmp.file("spiral.txt"));
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find(".o (object file) or .so"), std::string::npos) << r.err;
}

std::vector<double> csvNumbers(const std::string &csv, std::string &header) {
  header = csv.substr(0, csv.find('\n'));
  std::vector<double> v;
  std::string body = csv.substr(csv.find('\n') + 1);
  for (char &c : body)
    c = c == ',' ? ' ' : c;
  std::istringstream in(body);
  for (double x; in >> x;)
    v.push_back(x);
  return v;
}

TEST_F(SpiralFixture, JitViaCppPrintsWhatSimulatePrints) {
  const std::string args = example("spiral.node") +
                           " --tableau Kutta3 --step 0.1 --steps 25 --x0 1,-0.5 --params " +
                           paramsFile;
  OdecResult sim = runOdec("-w simulate " + args);
  OdecResult viaCpp = runOdec("-w jit " + args + " --via cpp");
  OdecResult viaLlvm = runOdec("-w jit " + args + " --via llvm");
  ASSERT_EQ(sim.status, 0) << sim.err;
  ASSERT_EQ(viaCpp.status, 0) << viaCpp.err;
  ASSERT_EQ(viaLlvm.status, 0) << viaLlvm.err;
  EXPECT_EQ(viaLlvm.out, sim.out); // the same code generator: the same bytes
  std::string simHeader, cppHeader;
  const std::vector<double> expected = csvNumbers(sim.out, simHeader);
  const std::vector<double> got = csvNumbers(viaCpp.out, cppHeader);
  EXPECT_EQ(cppHeader, "t,x[1],x[2]");
  EXPECT_EQ(cppHeader, simHeader);
  EXPECT_EQ(expected.size(), size_t(26 * 3));
  EXPECT_LE(relativeError(got, expected), 1e-12);
}

TEST_F(SpiralFixture, JitRejectsAnUnknownCodeGenerator) {
  OdecResult r = runOdec("jit " + example("spiral.node") +
                         " --tableau RK4 --step 0.1 --steps 2 --x0 1,0 --seed 1 --via gcc");
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("llvm"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("cpp"), std::string::npos) << r.err;
}

} // namespace
