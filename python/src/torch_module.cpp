// odec._torch: odec's fused solve as a C++ torch autograd Function, for odec.torch
// (python/odec/torch.py, docs/python.md). The forward pass is the compiled solve, keeping the
// VJP's tape when autograd will run backward and the solve fits it; the backward pass is the
// discrete adjoint's reverse sweep on that trajectory and tape. Nothing runs in Python between
// the caller and the compiled code, and the backward pass runs without the GIL: a Python
// autograd Function around the same calls cost ode_demo's training step 13 % more
// (docs/performance.md, section 28). The compiled code is odec._core's, lent through
// SolveBridge.h.
#include "SolveBridge.h"

#include <torch/csrc/autograd/custom_function.h>
#include <torch/csrc/autograd/functions/basic_ops.h>
#include <torch/csrc/utils/pybind.h>

#include <cmath>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

namespace py = pybind11;
using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

namespace {

/// A counted reference to a solver (SolveBridge.h).
class SolverRef {
public:
  explicit SolverRef(const OdecSolver *s) : s_(s) { s_->ops->retain(s_); }
  SolverRef(const SolverRef &o) : SolverRef(o.s_) {}
  SolverRef &operator=(const SolverRef &) = delete;
  ~SolverRef() { s_->ops->release(s_); }
  const OdecSolver *get() const { return s_; }

private:
  const OdecSolver *s_;
};

void check(const char *error) {
  if (error)
    throw std::invalid_argument(error);
}

std::string shapeText(at::IntArrayRef shape) {
  std::string s = "(";
  for (size_t i = 0; i < shape.size(); ++i)
    s += (i ? ", " : "") + std::to_string(shape[i]) + (shape.size() == 1 ? "," : "");
  return s + ")";
}

/// Tape memory, reused: a training loop's forward pass takes the buffer the previous step's
/// backward pass gave back, mapped and likely still in cache. A fresh one each step (hundreds of
/// kilobytes from the allocator, its pages faulted in) made ode_demo's step slower than no tape
/// at all (docs/performance.md, section 28). Keeps a few, at most 64 MiB in all.
class TapePool {
public:
  static TapePool &instance() {
    static TapePool *pool = new TapePool; // never destroyed: graphs may outlive module teardown
    return *pool;
  }
  at::Tensor take(int64_t doubles) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      for (auto it = free_.begin(); it != free_.end(); ++it)
        if (it->numel() == doubles) {
          at::Tensor t = std::move(*it);
          free_.erase(it);
          keptDoubles_ -= doubles;
          return t;
        }
    }
    return at::empty({doubles}, at::kDouble); // 64-byte aligned, as the tape must be
  }
  void give(at::Tensor tape) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (free_.size() < kKept && keptDoubles_ + tape.numel() <= kKeptDoubles) {
      keptDoubles_ += tape.numel();
      free_.push_back(std::move(tape));
    }
  }

private:
  static constexpr size_t kKept = 4;
  static constexpr int64_t kKeptDoubles = (int64_t(64) << 20) / 8;
  std::mutex mutex_;
  std::vector<at::Tensor> free_;
  int64_t keptDoubles_ = 0;
};

/// What the backward pass reads, kept in the node (one capsule in saved_data).
struct Saved : torch::CustomClassHolder {
  explicit Saved(const SolverRef &s) : solver(s) {}
  ~Saved() override {
    if (tape.defined())
      TapePool::instance().give(std::move(tape));
  }
  SolverRef solver;
  double h = 0;
  int64_t steps = 0;
  at::Tensor flat, x, traj; // float64, contiguous; traj: a float32 result's float64 values
  at::Tensor tape;          // undefined: none kept, the backward pass recomputes
};

struct Solve : torch::autograd::Function<Solve> {
  static at::Tensor forward(AutogradContext *ctx, const OdecSolver *solver, double h, int64_t steps,
                            bool keepTape, const at::Tensor &x0, at::TensorList params) {
    const int64_t batch = x0.size(0), D = x0.size(1);
    // The solver reads float64 buffers: float64 tensors are read where they are.
    at::Tensor flat = params.size() == 1 ? params[0].reshape(-1) : [&] {
      std::vector<at::Tensor> parts;
      for (const at::Tensor &p : params)
        parts.push_back(p.reshape(-1));
      return parts.empty() ? x0.new_empty({0}) : at::cat(parts);
    }();
    flat = flat.to(at::kDouble).contiguous();
    const at::Tensor x = x0.to(at::kDouble).contiguous();
    at::Tensor traj = at::empty({batch, steps + 1, D}, x.options());
    auto saved = c10::make_intrusive<Saved>(SolverRef(solver));
    const int64_t tapeDoubles = keepTape ? solver->ops->tapeDoubles(solver, batch, steps) : 0;
    if (tapeDoubles)
      saved->tape = TapePool::instance().take(tapeDoubles);
    check(solver->ops->forward(solver, flat.data_ptr<double>(), x.data_ptr<double>(), batch, steps,
                               h, traj.data_ptr<double>(),
                               tapeDoubles ? saved->tape.data_ptr<double>() : nullptr));
    saved->h = h;
    saved->steps = steps;
    saved->flat = flat;
    saved->x = x;
    ctx->saved_data["odec"] = at::IValue::make_capsule(saved);
    // Everything read is saved, so that autograd refuses a backward pass after an in-place
    // change of any of it (an optimizer step between the passes), as for its own ops. A
    // float64 result is the trajectory the reverse sweep reads; a float32 one is a copy.
    std::vector<at::Tensor> toSave{x0};
    toSave.insert(toSave.end(), params.begin(), params.end());
    if (x0.scalar_type() == at::kDouble) {
      toSave.push_back(traj);
      ctx->save_for_backward(std::move(toSave));
      return traj;
    }
    saved->traj = traj;
    ctx->save_for_backward(std::move(toSave));
    return traj.to(x0.scalar_type());
  }

  static variable_list backward(AutogradContext *ctx, variable_list grads) {
    const variable_list inputs = ctx->get_saved_variables(); // refuses changed tensors
    const auto saved =
        c10::static_intrusive_pointer_cast<Saved>(ctx->saved_data.at("odec").toCapsule());
    const at::Tensor &x0 = inputs[0];
    const at::Tensor traj = saved->traj.defined() ? saved->traj : inputs.back();
    const at::Tensor cot = grads[0].to(at::kDouble).contiguous();
    const OdecSolver *s = saved->solver.get();
    at::Tensor gp = at::empty({s->paramCount}, saved->x.options());
    at::Tensor gx = at::empty_like(saved->x);
    check(s->ops->vjp(s, saved->flat.data_ptr<double>(), saved->x.data_ptr<double>(),
                      saved->x.size(0), saved->steps, saved->h, cot.data_ptr<double>(),
                      traj.data_ptr<double>(),
                      saved->tape.defined() ? saved->tape.data_ptr<double>() : nullptr,
                      gp.data_ptr<double>(), gx.data_ptr<double>()));
    const at::ScalarType type = x0.scalar_type();
    gp = gp.to(type);
    // No gradient for the solver, h, steps and keepTape; then x0's and the parameters'.
    variable_list out(4);
    out.push_back(gx.to(type));
    const size_t count = inputs.size() - (saved->traj.defined() ? 1 : 2);
    int64_t offset = 0;
    for (size_t i = 1; i <= count; ++i) {
      const int64_t n = inputs[i].numel();
      out.push_back(gp.narrow(0, offset, n).view(inputs[i].sizes()));
      offset += n;
    }
    // Under create_graph the gradient would silently be a constant: anything that
    // differentiates it again (a gradient penalty) raises instead, as torch's
    // once_differentiable does.
    if (at::GradMode::is_enabled()) {
      for (at::Tensor &g : out)
        if (g.defined())
          g = g.detach().requires_grad_(true);
      out = torch::autograd::DelayedError("odec.torch's gradient is not differentiable (no "
                                          "second derivatives through the fused solve)",
                                          int(out.size()))
                .apply(std::move(out));
    }
    return out;
  }
};

const OdecSolver *solverOf(const py::capsule &c) {
  auto *s = static_cast<const OdecSolver *>(PyCapsule_GetPointer(c.ptr(), kOdecSolverCapsule));
  if (!s)
    throw py::error_already_set();
  if (s->ops->version != kOdecSolverOpsVersion)
    throw std::runtime_error("odec._torch and odec._core come from different builds");
  return s;
}

/// The checks that keep the compiled code within its buffers (odec.torch's solve() checks
/// the same with the parameters' names first).
void checkArguments(const OdecSolver *s, int64_t steps, const at::Tensor &x0,
                    const std::vector<at::Tensor> &params) {
  const int64_t D = s->stateDim;
  if (x0.dim() != 2 || x0.size(0) < 1 || x0.size(1) != D)
    throw std::invalid_argument("x0 has shape " + shapeText(x0.sizes()) + ", expected (B, " +
                                std::to_string(D) + ")");
  const at::ScalarType type = x0.scalar_type();
  if (type != at::kDouble && type != at::kFloat)
    throw std::invalid_argument("x0 has dtype " + std::string(c10::toString(type)) +
                                "; expected torch.float64 or torch.float32");
  if (!x0.device().is_cpu())
    throw std::invalid_argument("x0 is on " + x0.device().str() +
                                "; odec runs on the CPU (move it with .cpu())");
  int64_t count = 0;
  for (const at::Tensor &p : params) {
    if (p.scalar_type() != type || !p.device().is_cpu())
      throw std::invalid_argument("a parameter tensor is not a CPU tensor of x0's dtype (" +
                                  std::string(c10::toString(type)) + ")");
    count += p.numel();
  }
  if (count != s->paramCount)
    throw std::invalid_argument("the parameter tensors hold " + std::to_string(count) +
                                " values, expected " + std::to_string(s->paramCount));
  if (steps < 0)
    throw std::invalid_argument("steps must be a non-negative integer");
  if ((long double)x0.size(0) * (long double)(steps + 1) * (long double)D >
      (long double)(int64_t(1) << 31))
    throw std::invalid_argument("the trajectory would hold more than 2^31 values");
}

int64_t firstNonFinite(const at::Tensor &traj) {
  const at::Tensor t = traj.scalar_type() == at::kDouble ? traj : traj.to(at::kDouble);
  const double *p = t.data_ptr<double>();
  for (int64_t i = 0, n = t.numel(); i < n; ++i)
    if (!std::isfinite(p[i]))
      return i;
  return -1;
}

} // namespace

PYBIND11_MODULE(_torch, mod) {
  mod.doc() = "odec's fused solve as a torch autograd Function; use odec.torch (docs/python.md)";

  // solve(solver, h, steps, x0 (B, D), params) -> (B, steps+1, D) in x0's dtype, recorded for
  // autograd when grad mode is on and x0 or a parameter requires grad. solver: a capsule of
  // odec._core's Model.torch_solver; params: tensors whose values, in order, are the model's
  // flat parameter vector (one flat tensor, or one per parameter).
  mod.def(
      "solve",
      [](const py::capsule &capsule, double h, int64_t steps, const at::Tensor &x0,
         const std::vector<at::Tensor> &params) {
        const OdecSolver *solver = solverOf(capsule);
        checkArguments(solver, steps, x0, params);
        // The tape only for a pass that autograd will run backward.
        bool differentiable = x0.requires_grad();
        for (const at::Tensor &p : params)
          differentiable = differentiable || p.requires_grad();
        at::Tensor traj;
        {
          py::gil_scoped_release release;
          const bool keepTape = differentiable && at::GradMode::is_enabled();
          traj = Solve::apply(solver, h, steps, keepTape, x0, at::TensorList(params));
        }
        if (firstNonFinite(traj) >= 0)
          py::module_::import("odec").attr("_warn_non_finite")(traj.detach(), "odec.torch.solve");
        return traj;
      },
      py::arg("solver"), py::arg("h"), py::arg("steps"), py::arg("x0"), py::arg("params"));
}
