// The shipped .node files check cleanly, with exactly the expected warnings.
#include "SemaTestUtil.h"

using namespace odec::test;
using Errors = std::vector<std::string>;

TEST(SemaExamples, Spiral) {
  auto r = runSema(readFile(ODEC_SOURCE_DIR "/examples/spiral.node"), "spiral.node");
  EXPECT_TRUE(r->ok) << r->diags.formatAll();
  // Its Kutta3 is the built-in one written out: no shadowing warning.
  EXPECT_EQ(r->warnings(), Errors{});
  const auto *m = r->checked.findModel("Spiral");
  ASSERT_NE(m, nullptr);
  ASSERT_EQ(m->states.size(), 1u);
  EXPECT_EQ(m->states[0].shape, odec::Shape::vector(2));
  ASSERT_EQ(m->params.size(), 4u);
  EXPECT_EQ(m->params[0].name, "W1");
  EXPECT_EQ(m->params[0].shape, odec::Shape::matrix(16, 2));
  EXPECT_EQ(m->params[0].prior.kind, odec::Prior::Kind::Normal);
  EXPECT_EQ(m->params[2].prior.kind, odec::Prior::Kind::Glorot);
  ASSERT_EQ(r->checked.inits.size(), 1u);
  const auto &init = r->checked.inits[0];
  EXPECT_EQ(init.solver, "RK4");
  EXPECT_EQ(init.step, 0.1);
  EXPECT_EQ(init.margin, 0.9);
  EXPECT_EQ(init.maxTries, 10000);
  EXPECT_EQ(init.operatingPoints.at(0).second, (std::vector<double>{0, 0}));
}

TEST(SemaExamples, Oscillator) {
  auto r = runSema(readFile(ODEC_SOURCE_DIR "/examples/oscillator.node"), "oscillator.node");
  EXPECT_TRUE(r->ok) << r->diags.formatAll();
  EXPECT_TRUE(r->diags.diagnostics().empty()) << r->diags.formatAll();
  const auto *m = r->checked.findModel("Oscillator");
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->states.size(), 2u);
  EXPECT_EQ(m->params.at(0).prior.kind, odec::Prior::Kind::Uniform);
  EXPECT_EQ(*m->consts.at(0).value.elems[0].exact, odec::Rational(1, 10));
}

TEST(SemaExamples, PreludeHasNoDiagnostics) {
  auto r = runSema("");
  EXPECT_TRUE(r->ok);
  EXPECT_TRUE(r->diags.diagnostics().empty()) << r->diags.formatAll();
}
