#include "ir/StepScale.h"

#include "ir/Builder.h"
#include "support/InternalError.h"

namespace odec::ir {

ModelIR withStepScale(const ModelIR &model) {
  if (model.stepScale >= 0)
    throw InternalError("withStepScale: model '" + model.name + "' is scaled already");
  ModelIR out = model;
  if (out.exogenous.empty())
    out.exogenous.push_back(
        {"t", Shape::scalar(), variable("t", VarRole::Time, 0, Shape::scalar()), 0});
  out.stepScale = out.exoDim();
  // Its index follows the inputs' (VarRole::Input, index = position among the inputs).
  const Expr alpha = variable("step scale", VarRole::Input, int(out.exogenous.size() - 1),
                              Shape::scalar());
  out.exogenous.push_back({"step scale", Shape::scalar(), alpha, out.stepScale});
  for (Expr &d : out.ddt)
    d = mul(d->shape.isScalar() ? alpha : broadcast(alpha, d->shape), d);
  return out;
}

} // namespace odec::ir
