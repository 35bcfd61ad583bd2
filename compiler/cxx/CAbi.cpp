#include "cxx/CAbi.h"

#include "codegen/CppNames.h"
#include "support/SolverAbi.h"

namespace odec::cxx {

namespace {

// Real-typed views of the caller's double arrays: the arrays themselves when Real is double,
// malloc'ed copies otherwise (In copies in on construction, Out copies back on destruction).
// malloc rather than new: the object must need nothing beyond libc and libm.
const char *const kBuffers = R"(
#include <cstdlib>
#include <type_traits>

#ifndef ODEC_C_ABI_BUFFERS
#define ODEC_C_ABI_BUFFERS
namespace odec_c_abi {
template <class Real> Real *allocate(std::int64_t n) {
  return static_cast<Real *>(std::malloc(sizeof(Real) * std::size_t(n > 0 ? n : 1)));
}
template <class Real> struct In {
  const Real *p;
  Real *own = nullptr;
  In(const double *src, std::int64_t n) {
    if constexpr (std::is_same<Real, double>::value) {
      p = src;
    } else {
      own = allocate<Real>(n);
      for (std::int64_t i = 0; i < n; ++i)
        own[i] = Real(src[i]);
      p = own;
    }
  }
  ~In() { std::free(own); }
  In(const In &) = delete;
  In &operator=(const In &) = delete;
};
template <class Real> struct Out {
  Real *p;
  double *dst;
  std::int64_t n;
  Out(double *d, std::int64_t count) : dst(d), n(count) {
    if constexpr (std::is_same<Real, double>::value)
      p = d;
    else
      p = allocate<Real>(n);
  }
  ~Out() {
    if constexpr (!std::is_same<Real, double>::value) {
      for (std::int64_t i = 0; i < n; ++i)
        dst[i] = double(p[i]);
      std::free(p);
    }
  }
  Out(const Out &) = delete;
  Out &operator=(const Out &) = delete;
};
} // namespace odec_c_abi
#endif
)";

} // namespace

std::string cSymbol(const std::string &modelName, const std::string &function) {
  // A mangled keyword ends in `_` already (`class_`); `__` would be a reserved name.
  const std::string id = codegen::cppIdentifier(modelName);
  return "odec_" + id + (id.back() == '_' ? "" : "_") + function;
}

std::string cppWithCAbi(const ir::ModelIR &model, const ButcherTableau &tableau,
                        const codegen::CppOptions &options) {
  const std::string ns = codegen::cppIdentifier(model.name);
  const std::string abi = "odec_c_abi_" + ns; // the adapter's own namespace
  auto sym = [&](const char *f) { return cSymbol(model.name, f); };
  std::string s = codegen::emitCpp(model, tableau, options);
  s += "\n// The C ABI (odec build, odec jit --via cpp): jit::SimulateFn and odec::LossGradFn.\n";
  s += kBuffers;
  s += "\nnamespace " + abi + " {\nnamespace m = ::" + ns +
       ";\nusing In = odec_c_abi::In<m::Real>;\nusing Out = odec_c_abi::Out<m::Real>;\n"
       "constexpr std::int64_t D = m::kStateDim, P = m::kParamCount;\n} // namespace " +
       abi + "\n\n";
  const std::string use = "  using namespace " + abi + ";\n";
  // A driven model's stage values (SolverAbi.h, exo) pass through, converted to Real.
  const bool driven = !model.autonomous();
  const std::string exoIn =
      driven ? "  const In e(exo, batch * steps * m::kStages * m::kExoDim);\n" : "";
  const std::string exoArg = driven ? ", e.p" : "";
  s += "extern \"C\" void " + sym("simulate") +
       "(const double *params, const double *x0, double *out, std::int64_t batch,\n"
       "    std::int64_t steps, double h, const double *" + (driven ? "exo" : "/*exo*/") +
       ") {\n" + use +
       "  const In theta(params, P), x(x0, batch * D);\n" + exoIn +
       "  const Out traj(out, batch * (steps + 1) * D);\n"
       "  const m::Heap<m::Params> p;\n  m::unflatten(theta.p, *p);\n"
       "  m::simulate(*p, x.p, traj.p, batch, steps, m::Real(h)" + exoArg + ");\n}\n\n";
  std::string lossGradParams;
  for (const AbiParam &param : kLossGradParams)
    lossGradParams += std::string(lossGradParams.empty() ? "" : ", ") + cType(param.type) +
                      param.name;
  s += "extern \"C\" double " + sym("loss_grad") + "(" + lossGradParams + ") {\n" +
       use +
       "  const In theta(params, P), x(x0, batch * D), w(targetWeights, numTargets),\n"
       "      y(targets, batch * numTargets * D);\n"
       "  const Out tr(traj, batch * (steps + 1) * D), gp(gradParams, P), gx(gradX0, batch * D);\n"
       "  const m::Heap<m::Params> p, grad;\n  m::unflatten(theta.p, *p);\n"
       + exoIn + "  const m::Real loss = m::lossGrad(*p, x.p, batch, steps, m::Real(h),\n"
       "      numTargets, targetSteps, w.p, y.p, tr.p, *grad, gx.p" + exoArg + ");\n"
       "  m::flatten(*grad, gp.p);\n  return double(loss);\n}\n\n";
  if (tableau.hasEmbedded() && !driven)
    s += "extern \"C\" void " + sym("adaptive") +
         "(const double *params, const double *x0, double *out,\n"
         "    std::int64_t batch, const double *times, std::int64_t count, const double *h0,\n"
         "    const double *control, double *stats, double *steps, std::int64_t capacity,\n"
         "    void * /*exogenous*/, void * /*context*/, const double * /*breaks*/,\n"
         "    std::int64_t /*breakStride*/) {\n" + use +
         "  const In theta(params, P), x(x0, batch * D), t(times, count);\n"
         "  const Out o(out, batch * count * D), record(steps, batch * capacity);\n"
         "  const m::Heap<m::Params> p;\n  m::unflatten(theta.p, *p);\n"
         "  m::AdaptiveControl c;\n  c.rtol = m::Real(control[0]);\n"
         "  c.atol = m::Real(control[1]);\n  c.maxSteps = std::int64_t(control[2]);\n"
         "  c.safety = m::Real(control[3]);\n  c.minFactor = m::Real(control[4]);\n"
         "  c.maxFactor = m::Real(control[5]);\n  c.beta = m::Real(control[6]);\n"
         "  c.stepToTimes = control[7] != 0;\n"
         "  for (std::int64_t b = 0; b < batch; ++b) {\n"
         "    const m::AdaptiveStats r = m::solveAdaptive(*p, x.p + b * D, t.p, count, "
         "m::Real(h0[b]), c,\n        o.p + b * count * D, capacity > 0 ? record.p + b * "
         "capacity : nullptr, capacity);\n"
         "    double *row = stats + b * 5;\n"
         "    row[0] = double(r.accepted);\n    row[1] = double(r.rejected);\n"
         "    row[2] = double(r.status);\n    row[3] = double(r.t);\n"
         "    row[4] = double(r.lastStep);\n  }\n}\n\n";
  s += "extern \"C\" void " + sym("default_params") + "(double *out) {\n" + use +
       "  const Out flat(out, P);\n  const m::Heap<m::Params> defaults;\n"
       "  m::flatten(*defaults, flat.p);\n}\n\n";
  s += "extern \"C\" std::int64_t " + sym("state_dim") + "(void) { return " + abi + "::D; }\n";
  s += "extern \"C\" std::int64_t " + sym("param_count") + "(void) { return " + abi + "::P; }\n";
  return s;
}

} // namespace odec::cxx
