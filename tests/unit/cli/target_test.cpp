// --cpu, ODEC_CPU and --no-cache on the command line: the same numbers from every level this
// machine runs, located refusals of unknown CPUs and of CPUs this machine lacks, code written for
// any CPU, and the on-disk cache used or bypassed.
#include "RunOdec.h"

#include "io/Csv.h"
#include "jit/Target.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>

#include <cmath>
#include <filesystem>

namespace {

const std::string kSimulate = "simulate " + example("spiral.node") +
                              " --tableau RK4 --step 0.1 --steps 40 --x0 1,0 --seed 3";

/// A CPU this machine cannot run, when there is one among a few of both vendors.
std::string cpuNotRunnableHere() {
  for (const char *cpu : {"x86-64-v4", "sapphirerapids", "znver3", "znver2"})
    if (!odec::jit::resolveTarget(cpu).runsHere())
      return cpu;
  return "";
}

size_t filesIn(const std::filesystem::path &dir) {
  if (!std::filesystem::exists(dir))
    return 0;
  return size_t(std::distance(std::filesystem::directory_iterator(dir),
                              std::filesystem::directory_iterator()));
}

} // namespace

TEST(TargetFlags, EveryRunnableLevelGivesTheSameTrajectory) {
  const OdecResult host = runOdec(kSimulate);
  ASSERT_EQ(host.status, 0) << host.err;
  const odec::CsvTable ref = odec::parseCsv(host.out, "host");
  for (const std::string &level : odec::jit::runnableLevels()) {
    for (const std::string &how : {"--cpu " + level, "ODEC_CPU=" + level}) {
      const OdecResult r = how[0] == '-' ? runOdec(kSimulate + " " + how)
                                         : runOdec(kSimulate, how);
      ASSERT_EQ(r.status, 0) << how << ": " << r.err;
      const odec::CsvTable t = odec::parseCsv(r.out, level);
      ASSERT_EQ(t.rows(), ref.rows());
      for (size_t i = 0; i < t.rows(); ++i)
        for (size_t c = 0; c < t.columns.size(); ++c)
          EXPECT_NEAR(t.at(i, c), ref.at(i, c), 1e-13 * (1 + std::abs(ref.at(i, c)))) << how;
    }
  }
}

TEST(TargetFlags, UnknownCpuIsAnErrorNamingIt) {
  for (const std::string &how : {std::string("--cpu pentium9000"), std::string("")}) {
    const OdecResult r = how.empty() ? runOdec(kSimulate, "ODEC_CPU=pentium9000")
                                     : runOdec(kSimulate + " " + how);
    EXPECT_EQ(r.status, 1);
    EXPECT_NE(r.err.find("error: unknown CPU 'pentium9000'"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("x86-64-v3"), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find("not a recognized processor"), std::string::npos)
        << "LLVM's own warning leaked: " << r.err;
  }
}

TEST(TargetFlags, CodeThatWouldRunIsRefusedForAMissingFeature) {
  const std::string cpu = cpuNotRunnableHere();
  if (cpu.empty())
    GTEST_SKIP() << "this machine runs every CPU tried";
  for (const std::string &cmd :
       {kSimulate + " --cpu " + cpu,
        "bench " + example("spiral.node") + " --tableau RK4 --step 0.1 --steps 5 --batch 4 --cpu " +
            cpu}) {
    const OdecResult r = runOdec(cmd);
    EXPECT_EQ(r.status, 1) << cmd;
    EXPECT_NE(r.err.find("error: CPU '" + cpu + "' needs "), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("which this machine lacks"), std::string::npos) << r.err;
  }
}

TEST(TargetFlags, CodeForAnyCpuCanBeWritten) {
  TempDir tmp;
  for (const std::string cpu : {"x86-64-v4", "x86-64-v3", "x86-64-v2", "znver3"}) {
    const OdecResult ir =
        runOdec("emit-llvm " + example("spiral.node") + " --tableau RK4 --adjoint --cpu " + cpu);
    ASSERT_EQ(ir.status, 0) << ir.err;
    EXPECT_NE(ir.out.find("\"target-cpu\"=\"" + cpu + "\""), std::string::npos);
    const std::string object = tmp.file(cpu + ".o");
    const OdecResult build = runOdec("build " + example("spiral.node") +
                                     " --tableau RK4 --cpu " + cpu + " -o " + object);
    ASSERT_EQ(build.status, 0) << build.err;
    EXPECT_EQ(slurp(object).substr(0, 4), "\x7f" "ELF");
  }
}

TEST(TargetFlags, CacheIsUsedUnlessNoCache) {
  TempDir tmp;
  const std::filesystem::path cache = tmp.path / "cache";
  const std::string env = "ODEC_CACHE_DIR=" + cache.string();
  const OdecResult bypass = runOdec(kSimulate + " --no-cache", env);
  ASSERT_EQ(bypass.status, 0) << bypass.err;
  EXPECT_EQ(filesIn(cache), 0u);
  const OdecResult first = runOdec(kSimulate, env), second = runOdec(kSimulate, env);
  ASSERT_EQ(first.status, 0) << first.err;
  EXPECT_GE(filesIn(cache), 1u);
  EXPECT_EQ(second.out, first.out);
  EXPECT_EQ(bypass.out, first.out);
}

TEST(TargetFlags, TargetsListsTheHostAndTheLevels) {
  const OdecResult r = runOdec("targets --json", "ODEC_CPU=x86-64-v2");
  ASSERT_EQ(r.status, 0) << r.err;
  const nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_TRUE(j["host"]["runs_here"]);
  EXPECT_EQ(j["odec_cpu"], "x86-64-v2");
  const std::vector<std::string> runnable = odec::jit::runnableLevels();
  ASSERT_EQ(j["levels"].size(), 4u);
  EXPECT_EQ(j["levels"][2]["cpu"], "x86-64-v3");
  EXPECT_EQ(j["levels"][2]["vector_bytes"], 32);
  EXPECT_EQ(j["levels"][3]["vector_registers"], 32);
  for (const auto &level : j["levels"]) {
    const bool listed = std::find(runnable.begin(), runnable.end(),
                                  level["cpu"].get<std::string>()) != runnable.end();
    if (level["cpu"] != "x86-64") {
      EXPECT_EQ(level["runs_here"].get<bool>(), listed) << level["cpu"];
    }
    EXPECT_EQ(level["runs_here"].get<bool>(), level["missing_here"].empty());
  }
  const OdecResult text = runOdec("targets");
  EXPECT_NE(text.out.find("x86-64-v3   16 vector registers of 32 bytes"), std::string::npos)
      << text.out;
}
