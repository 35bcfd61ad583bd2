// The host API's IMDE (odec::Imde): the series of imde/ on the model's IR.
#include "driver/ModelImpl.h"

#include "imde/Imde.h"
#include "ir/Interpreter.h"
#include "ir/Printer.h"

#include <cmath>
#include <stdexcept>

namespace odec {

struct Imde::Impl {
  std::shared_ptr<const Model::Impl> model;
  imde::ImdeSeries series;
  std::vector<std::string> julia;
  int order = 0;
};

Imde Model::imde(const std::string &tableau, int order, bool invert) const {
  // The series is built from elementary differentials of an autonomous field; a driven one
  // would need t and the inputs' derivatives as extra states.
  if (!autonomous())
    throw std::invalid_argument("model '" + name() +
                                "' reads the time or inputs; the IMDE is implemented for "
                                "autonomous fields only");
  auto impl = std::make_shared<Imde::Impl>();
  impl->model = impl_;
  impl->order = order;
  impl->series = imde::imdeSeries(impl_->ir, impl_->comp->tableau(tableau), order,
                                  invert ? imde::Direction::Inverse : imde::Direction::Forward);
  for (int k = 0; k <= order; ++k)
    impl->julia.push_back(ir::toJulia(imde::termFunction(impl_->ir, impl->series, k)));
  Imde result;
  result.impl_ = std::move(impl);
  return result;
}

int Imde::maxOrder() { return imde::maxImdeOrder(); }
int Imde::order() const { return impl_->order; }
bool Imde::exact() const { return impl_->series.exact; }
const std::vector<std::string> &Imde::formulas() const { return impl_->series.formulas; }
const std::vector<std::string> &Imde::julia() const { return impl_->julia; }

std::vector<std::vector<double>> Imde::terms(const std::vector<double> &params,
                                             const std::vector<double> &x, double h) const {
  const ir::ModelIR &m = impl_->model->ir;
  if (int64_t(x.size()) != m.stateDim())
    throw std::invalid_argument("expected " + std::to_string(m.stateDim()) +
                                " numbers (the flat state), got " + std::to_string(x.size()));
  if (int64_t(params.size()) != m.paramCount())
    throw std::invalid_argument("expected " + std::to_string(m.paramCount()) +
                                " parameter values, got " + std::to_string(params.size()));
  std::vector<std::vector<double>> inputs;
  auto split = [&](const std::vector<ir::ModelIR::Slot> &slots, const std::vector<double> &flat) {
    for (const auto &slot : slots) {
      auto first = flat.begin() + slot.offset;
      inputs.emplace_back(first, first + slot.shape.rows * slot.shape.cols);
    }
  };
  split(m.states, x);
  split(m.params, params);
  std::vector<std::vector<double>> terms;
  for (int k = 0; k <= impl_->order; ++k) {
    std::vector<double> flat;
    for (const auto &v : ir::evaluate(imde::termFunction(m, impl_->series, k), inputs))
      for (double e : v)
        flat.push_back(std::pow(h, k) * e);
    terms.push_back(std::move(flat));
  }
  return terms;
}

} // namespace odec
