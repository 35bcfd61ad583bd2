// odec._core: the host API (include/odec/odec.h) for Python. Flat float64 buffers in and out;
// the package around it (python/odec/__init__.py) turns parameter dicts, shapes and dtypes
// into these and back, and documents the Python names (docs/python.md).
//
// Threads: every call that runs compiled code or compiles releases the GIL, so Python threads
// run solves in parallel; the solvers are reentrant (odec.h), and each model's compiled
// solvers are created once under a lock taken only while the GIL is released (a thread
// waiting for the lock never blocks one that needs the GIL).
#include "SolveBridge.h"
#include "odec/odec.h"
#include "support/Step.h"

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <optional>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <map>
#include <memory>
#include <mutex>
#include <new>
#include <numbers>
#include <tuple>

namespace py = pybind11;

namespace {

using Array = py::array_t<double, py::array::c_style | py::array::forcecast>;
using IndexArray = py::array_t<int64_t, py::array::c_style | py::array::forcecast>;

/// A driven model's Drive from the package's checked arrays: t0 (0, 1 or B values) and one
/// (times, values) pair per signal (none, one for every trajectory, or one per trajectory).
odec::Drive driveOf(const Array &t0, const std::vector<std::pair<Array, Array>> &inputs) {
  odec::Drive d;
  d.t0.assign(t0.data(), t0.data() + t0.size());
  for (const auto &[times, values] : inputs)
    d.inputs.push_back({std::vector<double>(times.data(), times.data() + times.size()),
                        std::vector<double>(values.data(), values.data() + values.size())});
  return d;
}

void checkSize(const char *what, py::ssize_t got, int64_t want) {
  if (int64_t(got) != want)
    throw std::invalid_argument(std::string(what) + " has " + std::to_string(got) +
                                " values, expected " + std::to_string(want));
}

/// The sizes of a solve, checked as the host API checks them (including its 2^31 limit on
/// the trajectory, before anything is allocated).
int64_t trajectorySize(int64_t batch, int64_t steps, int64_t D) {
  if (batch < 1 || steps < 0)
    throw std::invalid_argument("batch must be >= 1 and steps >= 0");
  long double total = (long double)batch * (long double)(steps + 1) * (long double)D;
  if (total > (long double)(int64_t(1) << 31))
    throw std::invalid_argument("the trajectory would hold " +
                                std::to_string((unsigned long long)total) +
                                " values; the limit is 2^31");
  return int64_t(total);
}

odec::Precision precisionOf(const std::string &name) {
  if (name == "float64")
    return odec::Precision::Double;
  if (name == "float32")
    return odec::Precision::Float;
  throw std::invalid_argument("precision must be 'float64' or 'float32', not '" + name + "'");
}

/// A model with its compiled solvers, compiled on first use per (tableau, precision).
class PyModel {
public:
  explicit PyModel(odec::Model m) : model(std::move(m)) {}

  // Float code exists for explicit tableaux only; an implicit one runs in double (the
  // package casts the results to float32).
  odec::Simulator simulator(const std::string &tableau, odec::Precision p) const {
    return get(sims_, tableau, p, [&] {
      return withDoubleFallback(p, [&](odec::Precision q) { return model.simulator(tableau, q); });
    });
  }
  odec::Vjp vjp(const std::string &tableau, odec::Precision p) const {
    return get(vjps_, tableau, p, [&] {
      return withDoubleFallback(p, [&](odec::Precision q) { return model.vjp(tableau, q); });
    });
  }
  odec::ObservedSolver observedSolver(const std::string &tableau) const {
    return get(observed_, tableau, odec::Precision::Double,
               [&] { return model.observedSolver(tableau); });
  }
  odec::AdaptiveSolver adaptiveSolver(const std::string &tableau) const {
    return get(adaptive_, tableau, odec::Precision::Double,
               [&] { return model.adaptiveSolver(tableau); });
  }
  odec::LossGradient lossGradient(const std::string &tableau, odec::Adjoint a) const {
    return get(grads_, tableau + (a == odec::Adjoint::Discrete ? "/d" : "/c"),
               odec::Precision::Double, [&] { return model.lossGradient(tableau, a); });
  }

  odec::Model model;

private:
  template <class Make>
  static auto withDoubleFallback(odec::Precision p, Make make) -> decltype(make(p)) {
    if (p == odec::Precision::Double)
      return make(p);
    try {
      return make(p);
    } catch (const std::invalid_argument &) { // implicit, or unknown: double says which
      auto solver = make(odec::Precision::Double);
      if (!solver.isImplicit())
        throw;
      return solver;
    }
  }
  using Key = std::pair<std::string, int>;
  // Call with the GIL released.
  template <class T, class Make>
  T get(std::map<Key, T> &cache, const std::string &name, odec::Precision p, Make make) const {
    std::lock_guard<std::mutex> lock(mutex_);
    const Key key{name, int(p)};
    auto it = cache.find(key);
    if (it == cache.end())
      it = cache.emplace(key, make()).first;
    return it->second;
  }
  mutable std::mutex mutex_;
  mutable std::map<Key, odec::Simulator> sims_;
  mutable std::map<Key, odec::Vjp> vjps_;
  mutable std::map<Key, odec::LossGradient> grads_;
  mutable std::map<Key, odec::ObservedSolver> observed_;
  mutable std::map<Key, odec::AdaptiveSolver> adaptive_;
};

py::array_t<double> newArray(std::vector<py::ssize_t> shape) {
  return py::array_t<double>(std::move(shape));
}

py::array_t<double> toArray(const std::vector<double> &v) {
  py::array_t<double> a(py::ssize_t(v.size()));
  std::copy(v.begin(), v.end(), a.mutable_data());
  return a;
}

/// A forward pass keeps the VJP's tape when it holds the whole solve (the taped sweeps then
/// recompute nothing; a longer solve recomputes its first steps, and its forward pass is faster
/// in the forward solver, whose code is the tape's without the stores: W1's 100 steps run 10 %
/// slower taped) and is at most this large (a batch of thousands of trajectories would hold
/// gigabytes between the passes).
constexpr int64_t kMaxTapeBytes = int64_t(64) << 20;

/// odec._torch's solver (SolveBridge.h).
extern const OdecSolverOps kBridgeOps;
struct BridgeSolver : OdecSolver {
  BridgeSolver(const odec::Model &m, odec::Simulator s, odec::Vjp v, odec::Drive d)
      : OdecSolver{&kBridgeOps, m.stateDim(), m.paramCount()}, simulator(std::move(s)),
        vjp(std::move(v)), drive(std::move(d)) {}
  odec::Simulator simulator;
  odec::Vjp vjp;
  odec::Drive drive;
  mutable std::atomic<int> references{1};
};

const BridgeSolver &bridged(const OdecSolver *s) { return *static_cast<const BridgeSolver *>(s); }

/// Runs `body`, returning nullptr, or the message of what it threw (the host API rejects a
/// size or a value with std::invalid_argument), kept in a thread-local string.
template <class Body> const char *reportingErrors(Body body) {
  thread_local std::string message;
  try {
    body();
    return nullptr;
  } catch (const std::exception &e) {
    message = e.what();
    return message.c_str();
  }
}

extern const OdecSolverOps kBridgeOps = {
    kOdecSolverOpsVersion,
    [](const OdecSolver *s) { bridged(s).references.fetch_add(1, std::memory_order_relaxed); },
    [](const OdecSolver *s) {
      if (bridged(s).references.fetch_sub(1, std::memory_order_acq_rel) == 1)
        delete &bridged(s);
    },
    [](const OdecSolver *s, int64_t batch, int64_t steps) -> int64_t {
      const odec::Vjp &vjp = bridged(s).vjp;
      if (vjp.isImplicit() || steps > vjp.tapeSteps(batch))
        return 0;
      const int64_t bytes = vjp.tapeBytes(batch);
      return bytes > kMaxTapeBytes ? 0 : (bytes + 7) / 8;
    },
    [](const OdecSolver *s, const double *params, const double *x0, int64_t batch, int64_t steps,
       double h, double *traj, double *tape) {
      return reportingErrors([&] {
        const BridgeSolver &b = bridged(s);
        if (tape)
          b.vjp.forwardWithTape(params, x0, batch, steps, h, traj, tape, b.drive);
        else
          b.simulator.simulate(params, x0, traj, batch, steps, h, b.drive);
      });
    },
    [](const OdecSolver *s, const double *params, const double *x0, int64_t batch, int64_t steps,
       double h, const double *cotangent, const double *traj, const double *tape,
       double *gradParams, double *gradX0) {
      return reportingErrors([&] {
        const BridgeSolver &b = bridged(s);
        if (tape)
          b.vjp.fromTape(params, x0, batch, steps, h, cotangent, traj, tape, gradParams, gradX0,
                         b.drive);
        else
          b.vjp.fromTrajectory(params, x0, batch, steps, h, cotangent, traj, gradParams, gradX0,
                               b.drive);
      });
    },
};

py::list layout(const std::vector<odec::TensorInfo> &tensors) {
  py::list out;
  for (const odec::TensorInfo &t : tensors) {
    py::tuple shape = t.rank == 0   ? py::tuple()
                      : t.rank == 1 ? py::make_tuple(t.rows)
                                    : py::make_tuple(t.rows, t.cols);
    out.append(py::make_tuple(t.name, shape, t.offset));
  }
  return out;
}

using Inputs = std::vector<std::pair<Array, Array>>;

/// A forward solve's trajectory (B, steps+1, D), its sizes checked as the host API checks them.
py::array_t<double> forwardSolve(const PyModel &m, const Array &params, const Array &x0,
                                 int64_t steps, double h, const std::string &tableau,
                                 const std::string &precision, const Array &t0,
                                 const Inputs &inputs) {
  const int64_t D = m.model.stateDim();
  checkSize("the parameter vector", params.size(), m.model.paramCount());
  const int64_t batch = D ? int64_t(x0.size()) / D : 0;
  checkSize("x0", x0.size(), batch * D);
  trajectorySize(batch, steps, D);
  py::array_t<double> out = newArray({py::ssize_t(batch), py::ssize_t(steps + 1), py::ssize_t(D)});
  const double *pp = params.data(), *xp = x0.data();
  double *op = out.mutable_data();
  const odec::Precision p = precisionOf(precision);
  const odec::Drive drive = driveOf(t0, inputs);
  py::gil_scoped_release release;
  m.simulator(tableau, p).simulate(pp, xp, op, batch, steps, h, drive);
  return out; // moved: no reference count changes without the GIL
}

} // namespace

PYBIND11_MODULE(_core, mod) {
  mod.doc() = "odec's compiled core; use the odec package (docs/python.md)";
  py::register_exception<odec::CompileError>(mod, "CompileError", PyExc_Exception);
  py::register_exception<odec::InitError>(mod, "InitError", PyExc_RuntimeError);

  py::class_<odec::Program>(mod, "Program")
      .def_static("from_file", &odec::Program::fromFile, py::arg("path"),
                  py::call_guard<py::gil_scoped_release>())
      .def_static("from_string", &odec::Program::fromString, py::arg("text"),
                  py::arg("name") = "<string>", py::call_guard<py::gil_scoped_release>())
      .def("model_names", &odec::Program::modelNames)
      .def("tableau_names", &odec::Program::tableauNames)
      .def("warnings", &odec::Program::warnings)
      .def("model", [](const odec::Program &p, const std::string &name) {
        return std::make_shared<PyModel>(p.model(name));
      });

  py::class_<PyModel, std::shared_ptr<PyModel>>(mod, "Model")
      .def_property_readonly("name", [](const PyModel &m) { return m.model.name(); })
      .def_property_readonly("state_dim", [](const PyModel &m) { return m.model.stateDim(); })
      .def_property_readonly("param_count", [](const PyModel &m) { return m.model.paramCount(); })
      .def_property_readonly("params", [](const PyModel &m) { return layout(m.model.params()); })
      .def_property_readonly("states", [](const PyModel &m) { return layout(m.model.states()); })
      .def("state_columns", [](const PyModel &m) { return m.model.stateColumns(); })
      .def("has_init",
           [](const PyModel &m) {
             try {
               m.model.initSettings();
               return true;
             } catch (const std::invalid_argument &) {
               return false;
             }
           })
      .def("sample_params",
           [](const PyModel &m, uint64_t seed) { return toArray(m.model.sampleParams(seed)); })
      .def("init_solver_and_step",
           [](const PyModel &m) {
             const odec::InitSettings s = m.model.initSettings();
             return py::make_tuple(s.tableau, s.step);
           })
      // initialize(seed, tableau, step): the init block as written when tableau is empty, else
      // re-targeted to that solver and step (Model::initSettings(tableau, step)).
      .def(
          "initialize",
          [](const PyModel &m, uint64_t seed, const std::string &tableau, double step) {
            const odec::InitSettings settings =
                tableau.empty() ? m.model.initSettings() : m.model.initSettings(tableau, step);
            odec::InitResult r;
            {
              py::gil_scoped_release release;
              r = m.model.initialize(seed, settings);
            }
            return py::make_tuple(toArray(r.params), m.model.initReport(r).json);
          },
          py::arg("seed"), py::arg("tableau") = std::string(), py::arg("step") = 0.0)
      .def("params_to_json",
           [](const PyModel &m, const Array &flat) {
             checkSize("the parameter vector", flat.size(), m.model.paramCount());
             return m.model.paramsToJson(
                 std::vector<double>(flat.data(), flat.data() + flat.size()));
           })
      .def("load_params", [](const PyModel &m,
                             const std::string &path) { return toArray(m.model.loadParams(path)); })
      .def("parse_params",
           [](const PyModel &m, const std::string &text) {
             return toArray(m.model.parseParams(text));
           })
      .def("is_implicit",
           [](const PyModel &m, const std::string &tableau) {
             py::gil_scoped_release release;
             return m.simulator(tableau, odec::Precision::Double).isImplicit();
           })
      .def(
          "compile",
          [](const PyModel &m, const std::string &tableau, const std::string &precision, bool vjp) {
            const odec::Precision p = precisionOf(precision);
            py::gil_scoped_release release;
            if (vjp)
              m.vjp(tableau, p);
            else
              m.simulator(tableau, p);
          })
      // simulate(params (P,), x0 (B, D), steps, h, tableau, precision, t0, inputs)
      //   -> (B, steps+1, D); t0 and inputs: a driven model's drive (driveOf)
      .def(
          "simulate",
          [](const PyModel &m, const Array &params, const Array &x0, int64_t steps, double h,
             const std::string &tableau, const std::string &precision, const Array &t0,
             const Inputs &inputs) {
            return forwardSolve(m, params, x0, steps, h, tableau, precision, t0, inputs);
          },
          py::arg("params"), py::arg("x0"), py::arg("steps"), py::arg("h"), py::arg("tableau"),
          py::arg("precision"), py::arg("t0") = Array(), py::arg("inputs") = Inputs())
      // vjp(params, x0 (B, D), cotangent (B, steps+1, D), steps, h, tableau, precision, t0,
      //     inputs) -> (grad_params (P,), grad_x0 (B, D))
      .def(
          "vjp",
          [](const PyModel &m, const Array &params, const Array &x0, const Array &cotangent,
             int64_t steps, double h, const std::string &tableau, const std::string &precision,
             const Array &t0, const Inputs &inputs) {
            const int64_t D = m.model.stateDim();
            checkSize("the parameter vector", params.size(), m.model.paramCount());
            const int64_t batch = D ? int64_t(x0.size()) / D : 0;
            checkSize("x0", x0.size(), batch * D);
            const int64_t size = trajectorySize(batch, steps, D);
            checkSize("the cotangent", cotangent.size(), size);
            py::array_t<double> gp = newArray({py::ssize_t(m.model.paramCount())});
            py::array_t<double> gx = newArray({py::ssize_t(batch), py::ssize_t(D)});
            std::vector<double> traj(static_cast<size_t>(size));
            const double *pp = params.data(), *xp = x0.data(), *cp = cotangent.data();
            double *gpp = gp.mutable_data(), *gxp = gx.mutable_data();
            const odec::Precision p = precisionOf(precision);
            const odec::Drive drive = driveOf(t0, inputs);
            {
              py::gil_scoped_release release;
              m.vjp(tableau, p)(pp, xp, batch, steps, h, cp, traj.data(), gpp, gxp, drive);
            }
            return py::make_tuple(gp, gx);
          },
          py::arg("params"), py::arg("x0"), py::arg("cotangent"), py::arg("steps"), py::arg("h"),
          py::arg("tableau"), py::arg("precision"), py::arg("t0") = Array(),
          py::arg("inputs") = Inputs())
      // torch_solver(tableau, precision, t0, inputs) -> a capsule holding odec._torch's solver
      //   (SolveBridge.h) with this drive, compiled now (errors raise here, with the GIL).
      .def(
          "torch_solver",
          [](const PyModel &m, const std::string &tableau, const std::string &precision,
             const Array &t0, const Inputs &inputs) {
            const odec::Precision p = precisionOf(precision);
            odec::Drive drive = driveOf(t0, inputs);
            std::optional<odec::Simulator> sim;
            std::optional<odec::Vjp> vjp;
            {
              py::gil_scoped_release release;
              sim = m.simulator(tableau, p);
              vjp = m.vjp(tableau, p);
            }
            auto *s = new BridgeSolver(m.model, *sim, *vjp, std::move(drive));
            return py::capsule(
                static_cast<const OdecSolver *>(s), kOdecSolverCapsule, [](PyObject *c) {
                  auto *solver =
                      static_cast<const OdecSolver *>(PyCapsule_GetPointer(c, kOdecSolverCapsule));
                  solver->ops->release(solver);
                });
          },
          py::arg("tableau"), py::arg("precision"), py::arg("t0") = Array(),
          py::arg("inputs") = Inputs())
      // observed(params, x0 (B, D), h, tableau, times [B arrays], values [B arrays or none],
      //          t0, inputs) -> (states [B (K_b, D)], observed [B (K_b, O)], loss, count,
      //          grad_params, grad_x0): ObservedSolver's predict (values empty) or loss.
      .def(
          "observed",
          [](const PyModel &m, const Array &params, const Array &x0, double h,
             const std::string &tableau, const std::vector<Array> &times,
             const std::vector<Array> &values, const Array &t0,
             const std::vector<std::pair<Array, Array>> &inputs) {
            const int64_t D = m.model.stateDim(), O = m.model.observedDim();
            std::vector<odec::Observations> obs(times.size());
            for (size_t b = 0; b < times.size(); ++b) {
              obs[b].times.assign(times[b].data(), times[b].data() + times[b].size());
              if (!values.empty())
                obs[b].values.assign(values[b].data(), values[b].data() + values[b].size());
            }
            const std::vector<double> p(params.data(), params.data() + params.size()),
                x(x0.data(), x0.data() + x0.size());
            const odec::Drive drive = driveOf(t0, inputs);
            odec::ObservedSolver::Result r;
            {
              py::gil_scoped_release release;
              const odec::ObservedSolver solver = m.observedSolver(tableau);
              if (values.empty())
                static_cast<odec::ObservedSolver::Prediction &>(r) =
                    solver.predict(p, x, h, obs, drive);
              else
                r = solver.loss(p, x, h, obs, drive);
            }
            py::list states, observed;
            size_t row = 0;
            for (const odec::Observations &o : obs) {
              const py::ssize_t K = py::ssize_t(o.times.size());
              py::array_t<double> s = newArray({K, py::ssize_t(D)}), y = newArray({K, py::ssize_t(O)});
              std::copy_n(r.states.begin() + long(row * size_t(D)), K * D, s.mutable_data());
              std::copy_n(r.observed.begin() + long(row * size_t(O)), K * O, y.mutable_data());
              row += size_t(K);
              states.append(s);
              observed.append(y);
            }
            return py::make_tuple(states, observed, r.loss, r.count, toArray(r.gradParams),
                                  toArray(r.gradX0));
          },
          py::arg("params"), py::arg("x0"), py::arg("h"), py::arg("tableau"), py::arg("times"),
          py::arg("values"), py::arg("t0") = Array(),
          py::arg("inputs") = std::vector<std::pair<Array, Array>>())
      // adaptive(params, x0 (B, D), times (K,), tableau, rtol, atol, max_steps, first_step,
      //   beta, step_to_times, inputs) -> (states (B, K, D), accepted (B,), rejected (B,), nfe):
      //   AdaptiveSolver::solve.
      .def(
          "adaptive",
          [](const PyModel &m, const Array &params, const Array &x0, const Array &times,
             const std::string &tableau, double rtol, double atol, int64_t maxSteps,
             double firstStep, double beta, bool stepToTimes,
             const std::vector<std::pair<Array, Array>> &inputs) {
            const int64_t D = m.model.stateDim();
            const odec::Drive drive = driveOf(Array(), inputs);
            const std::vector<double> p(params.data(), params.data() + params.size()),
                x(x0.data(), x0.data() + x0.size()), t(times.data(), times.data() + times.size());
            odec::AdaptiveSolver::Result r;
            {
              py::gil_scoped_release release;
              r = m.adaptiveSolver(tableau).solve(
                  p, x, t, {rtol, atol, maxSteps, firstStep, beta, stepToTimes}, drive);
            }
            const py::ssize_t B = py::ssize_t(x.size()) / py::ssize_t(D),
                              K = py::ssize_t(t.size());
            py::array_t<double> states = newArray({B, K, py::ssize_t(D)});
            std::copy(r.states.begin(), r.states.end(), states.mutable_data());
            return py::make_tuple(states, r.accepted, r.rejected, r.nfe);
          },
          py::arg("params"), py::arg("x0"), py::arg("times"), py::arg("tableau"),
          py::arg("rtol"), py::arg("atol"), py::arg("max_steps"), py::arg("first_step"),
          py::arg("beta"), py::arg("step_to_times"),
          py::arg("inputs") = std::vector<std::pair<Array, Array>>())
      // adaptive_loss(params, x0 (B, D), times (K,), values (B, K-1, O), tableau, rtol, atol,
      //   max_steps, first_step, beta, inputs, adjoint, step_to_times) -> (loss, count,
      //   grad_params, grad_x0, accepted, rejected, nfe)
      .def(
          "adaptive_loss",
          [](const PyModel &m, const Array &params, const Array &x0, const Array &times,
             const Array &values, const std::string &tableau, double rtol, double atol,
             int64_t maxSteps, double firstStep, double beta,
             const std::vector<std::pair<Array, Array>> &inputs, const std::string &adjoint,
             bool stepToTimes) {
            const odec::Drive drive = driveOf(Array(), inputs);
            if (adjoint != "discrete" && adjoint != "continuous")
              throw std::invalid_argument("adjoint must be \"discrete\" or \"continuous\", not \"" +
                                          adjoint + "\"");
            odec::AdaptiveSettings settings{rtol, atol, maxSteps, firstStep, beta, stepToTimes};
            settings.adjoint =
                adjoint == "continuous" ? odec::Adjoint::Continuous : odec::Adjoint::Discrete;
            const std::vector<double> p(params.data(), params.data() + params.size()),
                x(x0.data(), x0.data() + x0.size()), t(times.data(), times.data() + times.size()),
                v(values.data(), values.data() + values.size());
            odec::AdaptiveSolver::Loss r;
            {
              py::gil_scoped_release release;
              r = m.adaptiveSolver(tableau).loss(p, x, t, v, settings, drive);
            }
            return py::make_tuple(r.loss, r.count, toArray(r.gradParams), toArray(r.gradX0),
                                  r.accepted, r.rejected, r.nfe);
          },
          py::arg("params"), py::arg("x0"), py::arg("times"), py::arg("values"),
          py::arg("tableau"), py::arg("rtol"), py::arg("atol"), py::arg("max_steps"),
          py::arg("first_step"), py::arg("beta"),
          py::arg("inputs") = std::vector<std::pair<Array, Array>>(),
          py::arg("adjoint") = std::string("discrete"), py::arg("step_to_times") = false)
      .def("observed_columns", [](const PyModel &m) { return m.model.observedColumns(); })
      // loss_grad(params, x0 (B, D), target_steps (T,), targets (B, T, D), steps, h, tableau,
      //           adjoint) -> (loss, grad_params, grad_x0, trajectory): the mean squared error
      .def("loss_grad", [](const PyModel &m, const Array &params, const Array &x0,
                           const IndexArray &targetSteps, const Array &targets, int64_t steps,
                           double h, const std::string &tableau, const std::string &adjoint) {
        if (adjoint != "discrete" && adjoint != "continuous")
          throw std::invalid_argument("adjoint must be 'discrete' or 'continuous', not '" +
                                      adjoint + "'");
        const int64_t D = m.model.stateDim(), T = int64_t(targetSteps.size());
        checkSize("the parameter vector", params.size(), m.model.paramCount());
        const int64_t batch = D ? int64_t(x0.size()) / D : 0;
        checkSize("x0", x0.size(), batch * D);
        trajectorySize(batch, steps, D);
        checkSize("targets", targets.size(), batch * T * D);
        const std::vector<double> p(params.data(), params.data() + params.size()),
            x(x0.data(), x0.data() + x0.size()), y(targets.data(), targets.data() + targets.size());
        const std::vector<int64_t> s(targetSteps.data(), targetSteps.data() + T);
        odec::LossGradient::Result r;
        {
          py::gil_scoped_release release;
          r = m.lossGradient(tableau, adjoint == "discrete" ? odec::Adjoint::Discrete
                                                            : odec::Adjoint::Continuous)
                  .meanSquaredError(p, x, batch, steps, h, s, y);
        }
        return py::make_tuple(r.loss, toArray(r.gradParams), toArray(r.gradX0));
      });

  // For bench/python_boundary.py: seconds of each of `repeats` calls of the host API made
  // from C++ (what the package's calls add their boundary to). what: "simulate", "vjp" (the
  // forward solve and the sweep in one call) or "simulate+sweep" (a solve, then
  // Vjp::fromTrajectory on it: odec.torch's forward and backward).
  mod.def("_native_seconds", [](const PyModel &m, const std::string &what, const Array &params,
                                const Array &x0, const Array &cotangent, int64_t steps, double h,
                                const std::string &tableau, int repeats) {
    const int64_t D = m.model.stateDim(), batch = int64_t(x0.size()) / D;
    checkSize("the parameter vector", params.size(), m.model.paramCount());
    checkSize("the cotangent", cotangent.size(), trajectorySize(batch, steps, D));
    if (what != "simulate" && what != "vjp" && what != "simulate+sweep")
      throw std::invalid_argument("unknown timing '" + what + "'");
    std::vector<double> traj(size_t(cotangent.size())), gp(size_t(m.model.paramCount())),
        gx(size_t(x0.size())), seconds;
    const double *pp = params.data(), *xp = x0.data(), *cp = cotangent.data();
    py::gil_scoped_release release;
    const odec::Simulator sim = m.simulator(tableau, odec::Precision::Double);
    const odec::Vjp vjp = m.vjp(tableau, odec::Precision::Double);
    for (int r = 0; r < repeats; ++r) {
      const auto start = std::chrono::steady_clock::now();
      if (what == "vjp") {
        vjp(pp, xp, batch, steps, h, cp, traj.data(), gp.data(), gx.data());
      } else {
        sim.simulate(pp, xp, traj.data(), batch, steps, h);
        if (what == "simulate+sweep")
          vjp.fromTrajectory(pp, xp, batch, steps, h, cp, traj.data(), gp.data(), gx.data());
      }
      seconds.push_back(
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    }
    return seconds;
  });

  // The flat index of a trajectory's first non-finite value, or -1: the warning's test, done
  // here because it runs after every solve (np.isfinite costs 10x more on a training step's
  // small trajectory).
  mod.def("first_non_finite", [](const Array &traj) {
    const double *p = traj.data();
    for (py::ssize_t i = 0, n = traj.size(); i < n; ++i)
      if (!std::isfinite(p[i]))
        return i;
    return py::ssize_t(-1);
  }, py::arg("traj"));

  // The library's rule for a step, for checks before anything runs (odec.torch's module).
  mod.def("check_step", [](double h) {
    odec::requireStep(h, "the step h");
    return h;
  }, py::arg("h"));

  // The analysis of `odec tableau --json`, for a tableau of the prelude or of a .node file.
  mod.def(
      "tableau_json",
      [](const std::string &name, const std::string &file) {
        const odec::Program p =
            file.empty() ? odec::Program::fromString("", "<none>") : odec::Program::fromFile(file);
        return p.tableau(name).json;
      },
      py::arg("name"), py::arg("file") = "", py::call_guard<py::gil_scoped_release>());
}
