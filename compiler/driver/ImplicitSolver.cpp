#include "driver/ImplicitSolver.h"

#include "driver/Derive.h"
#include "driver/StateJacobian.h"
#include "jit/BatchVariants.h"
#include "support/InternalError.h"

#include <algorithm>
#include <stdexcept>
#include <vector>

namespace odec {

namespace {

// ImplicitRungeKutta::lossGradient behind the interface the host API and the trainer use.
class ImplicitLossGrad : public jit::LossGradient {
public:
  explicit ImplicitLossGrad(std::shared_ptr<const ImplicitRungeKutta> solver)
      : solver_(std::move(solver)) {}
  double operator()(const LossGradArgs &args) const override {
    return solver_->lossGradient(args);
  }

private:
  std::shared_ptr<const ImplicitRungeKutta> solver_;
};

// ImplicitRungeKutta::vjp behind the jit::Vjp interface.
class ImplicitVjp : public jit::Vjp {
public:
  explicit ImplicitVjp(std::shared_ptr<const ImplicitRungeKutta> solver)
      : solver_(std::move(solver)) {}
  void operator()(const double *params, const double *x0, int64_t batch, int64_t steps, double h,
                  const double *cotangent, double *traj, double *gradParams, double *gradX0,
                  VjpMode mode, const double *, double *) const override {
    // No tape (tapeBytes 0); the host API solves forward with a Simulator instead.
    internalCheck(mode != kVjpTapeForward && mode != kVjpFromTrajectoryWithStages,
                  "ImplicitVjp: a taped forward pass or stage cotangents");
    solver_->vjp(params, x0, batch, steps, h, cotangent, traj, gradParams, gradX0, nullptr,
                 mode != kVjpSolve);
  }

private:
  std::shared_ptr<const ImplicitRungeKutta> solver_;
};

} // namespace

PointField compilePointField(const ir::ModelIR &model, const jit::CompileOptions &options) {
  // The Newton iteration's callbacks see a state and the parameters only.
  if (!model.autonomous())
    throw std::invalid_argument("model '" + model.name +
                                "' reads the time or inputs, which implicit tableaux do not "
                                "support yet; use an explicit tableau");
  const int64_t D = model.stateDim(), P = model.paramCount();
  PointField pf;
  pf.stateDim = D;
  pf.paramCount = P;
  pf.jacobian = [jacobian = stateJacobian(model, options)](const double *params, const double *x,
                                                          double *J) {
    jacobian(params, x, nullptr, J);
  };
  // Both compiled functions take the states, then the parameters (ir::ModelIR::field); the
  // VJP then the cotangents, and returns x̄ (D values) followed by θ̄ (P values).
  std::shared_ptr<const jit::CompiledFunction> field = jit::compileFunction(model.field(), options);
  pf.field = [field, D, P](const double *params, const double *x, double *xdot) {
    std::vector<double> in(size_t(D + P));
    std::copy(x, x + D, in.begin());
    std::copy(params, params + P, in.begin() + D);
    field->function()(in.data(), xdot);
  };
  std::shared_ptr<const jit::CompiledFunction> vjp =
      jit::compileFunction(deriveFunction(model, DeriveWhat::Vjp), options);
  pf.vjp = [vjp, D, P](const double *params, const double *x, const double *lambda, double *xBar,
                       double *thetaBar) {
    std::vector<double> in(size_t(2 * D + P)), out(size_t(D + P));
    std::copy(x, x + D, in.begin());
    std::copy(params, params + P, in.begin() + D);
    std::copy(lambda, lambda + D, in.begin() + D + P);
    vjp->function()(in.data(), out.data());
    std::copy(out.begin(), out.begin() + D, xBar);
    std::copy(out.begin() + D, out.end(), thetaBar);
  };
  return pf;
}

std::shared_ptr<const ImplicitRungeKutta>
compileImplicitSolver(const ir::ModelIR &model, const ButcherTableau &tableau,
                      const jit::CompileOptions &options) {
  return std::make_shared<const ImplicitRungeKutta>(compilePointField(model, options), tableau);
}

std::unique_ptr<jit::LossGradient> compileDiscreteLossGrad(const ir::ModelIR &model,
                                                           const ButcherTableau &tableau,
                                                           const jit::CompileOptions &options) {
  if (tableau.isExplicit())
    return std::make_unique<jit::LossGradientByBatch>(
        [model, tableau](const jit::CompileOptions &o) {
          return jit::compileLossGrad(model, tableau, o);
        },
        options, jit::batchLayout(model, tableau));
  return std::make_unique<ImplicitLossGrad>(compileImplicitSolver(model, tableau, options));
}

std::unique_ptr<jit::Vjp> compileImplicitVjp(const ir::ModelIR &model,
                                             const ButcherTableau &tableau,
                                             const jit::CompileOptions &options) {
  return std::make_unique<ImplicitVjp>(compileImplicitSolver(model, tableau, options));
}

} // namespace odec
