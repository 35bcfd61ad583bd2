// Long straight-line blocks compile without LLVM's pre-RA scheduler (jit/LongBlocks.h): the
// switch is on exactly while such a module compiles, and the code it gives is right.
#include "codegen/Optimize.h"
#include "jit/LongBlocks.h"
#include "odec/odec.h"

#include <gtest/gtest.h>
#include <llvm/IR/IRBuilder.h>
#include <llvm/IR/Module.h>
#include <llvm/Support/CommandLine.h>

#include <cmath>
#include <string>
#include <vector>

using namespace odec;

namespace {

// A function whose one block is `adds` floating-point additions and a return.
std::unique_ptr<llvm::Module> straightLine(llvm::LLVMContext &ctx, size_t adds) {
  auto m = std::make_unique<llvm::Module>("m", ctx);
  llvm::Type *real = llvm::Type::getDoubleTy(ctx);
  auto *f = llvm::Function::Create(llvm::FunctionType::get(real, {real}, false),
                                   llvm::Function::ExternalLinkage, "f", *m);
  llvm::IRBuilder<> b(llvm::BasicBlock::Create(ctx, "entry", f));
  llvm::Value *x = f->getArg(0);
  for (size_t i = 0; i < adds; ++i)
    x = b.CreateFAdd(x, f->getArg(0));
  b.CreateRet(x);
  return m;
}

llvm::cl::Option &misched() { return *llvm::cl::getRegisteredOptions()["enable-misched"]; }
bool mischedValue() { return static_cast<llvm::cl::opt<bool> &>(misched()).getValue(); }

} // namespace

TEST(LongBlocks, SchedulerIsOffExactlyWhileALongBlockCompiles) {
  llvm::LLVMContext ctx;
  auto longModule = straightLine(ctx, jit::kMaxScheduledBlock);
  auto shortModule = straightLine(ctx, 100);
  EXPECT_EQ(codegen::longestBlock(*longModule), jit::kMaxScheduledBlock + 1);
  EXPECT_EQ(codegen::longestBlock(*shortModule), 101u);
  ASSERT_EQ(misched().getNumOccurrences(), 0);
  {
    jit::LongBlockScheduling small(*shortModule);
    EXPECT_FALSE(small.schedulerOff());
    EXPECT_EQ(misched().getNumOccurrences(), 0);
    jit::LongBlockScheduling first(*longModule);
    EXPECT_TRUE(first.schedulerOff());
    EXPECT_EQ(misched().getNumOccurrences(), 1);
    EXPECT_FALSE(mischedValue());
    {
      jit::LongBlockScheduling second(*longModule); // another thread's compile, say
      EXPECT_FALSE(mischedValue());
    }
    EXPECT_FALSE(mischedValue()) << "the first long module is still compiling";
  }
  EXPECT_EQ(misched().getNumOccurrences(), 0);
  EXPECT_TRUE(mischedValue());
}

// A chain of 200 bindings that each read the state is one block of tens of thousands of
// instructions in RK4's fused loop: compiled unscheduled, through LLVM and through the emitted
// C++, it must still match RK4 written out by hand.
TEST(LongBlocks, ALongChainSolvesLikeItsReference) {
  const int n = 200;
  std::string src = "model Chain\n    state x::Vector{2}\n    a0 = x[1]\n";
  for (int i = 1; i <= n; ++i)
    src += "    a" + std::to_string(i) + " = tanh(a" + std::to_string(i - 1) + ") + 0.5 * x[1]\n";
  src += "    ddt(x) = [a" + std::to_string(n) + "; -x[2]]\nend\n";
  auto field = [&](const std::vector<double> &x) {
    double a = x[0];
    for (int i = 1; i <= n; ++i)
      a = std::tanh(a) + 0.5 * x[0];
    return std::vector<double>{a, -x[1]};
  };
  const double h = 0.05;
  const int steps = 20;
  std::vector<double> x = {0.3, 1.0};
  for (int s = 0; s < steps; ++s) {
    auto axpy = [&](const std::vector<double> &k, double c) {
      return std::vector<double>{x[0] + c * k[0], x[1] + c * k[1]};
    };
    auto k1 = field(x), k2 = field(axpy(k1, h / 2)), k3 = field(axpy(k2, h / 2)),
         k4 = field(axpy(k3, h));
    for (int d = 0; d < 2; ++d)
      x[d] += h / 6 * (k1[d] + 2 * k2[d] + 2 * k3[d] + k4[d]);
  }
  Model model = Program::fromString(src, "chain.node").model("Chain");
  for (CodePath path : {CodePath::LLVM, CodePath::Cpp}) {
    std::vector<double> traj = model.simulator("RK4", path).simulate({}, {0.3, 1.0}, 1, steps, h);
    EXPECT_NEAR(traj[size_t(steps) * 2], x[0], 1e-12 * std::abs(x[0]));
    EXPECT_NEAR(traj[size_t(steps) * 2 + 1], x[1], 1e-12);
  }
}
