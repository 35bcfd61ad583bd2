// A model lowered to IR: the vector field as one expression per state, over Variable
// inputs for the states, the parameters and, for a non-autonomous model, the exogenous
// values (the time t and the declared inputs).
#pragma once

#include "ir/IR.h"

#include <string>
#include <vector>

namespace odec::ir {

struct ModelIR {
  struct Slot {
    std::string name;
    Shape shape;
    Expr var;       // the Variable node (role State or Param, index = position in its list)
    int64_t offset; // element offset in the flat state vector or flat parameter vector
  };
  std::string name;
  std::vector<Slot> states; // declaration order; the flat state vector concatenates them
  std::vector<Slot> params; // declaration order; the flat parameter vector concatenates them
  std::vector<Expr> ddt;    // ddt[i] is the derivative of states[i], same shape
  /// The values a stage reads from outside the state: empty for an autonomous model, else the
  /// time `t` (role Time, scalar, offset 0) and then the inputs (role Input) in declaration
  /// order, each read at the stage's time. Solvers receive them per stage, already
  /// interpolated (SolverAbi.h, exo); they are never differentiated.
  std::vector<Slot> exogenous;
  /// The interpolation of each input ("Hold", "Linear", "CubicSpline"): exogenous[k + 1]'s.
  std::vector<std::string> interpolation;
  /// The `output` lines: what data observe, as expressions of the states, parameters and
  /// exogenous values (Real or Vector each). Empty: the data observe the whole state.
  std::vector<Expr> outputs;
  std::vector<std::string> outputNames;
  /// Where the step scale α of withStepScale (ir/StepScale.h) sits in a stage's exogenous
  /// values, or -1: the model's own field, unscaled.
  int64_t stepScale = -1;

  int64_t stateDim() const;  // total elements of all states
  int64_t paramCount() const; // total elements of all parameters
  /// Exogenous values per stage: 0 for an autonomous model, else 1 (t) + the inputs' elements
  /// (+ 1 for the step scale).
  int64_t exoDim() const;
  bool autonomous() const { return exogenous.empty(); }
  /// Multiply-adds per trajectory of the field's largest matrix product (0 without one): what
  /// sizes the code's chunks and whether the adjoint keeps a tape.
  int64_t largestProduct() const;
  /// The field as a Function: inputs = state vars, param vars, then exogenous vars; outputs =
  /// ddt.
  Function field() const;
};

} // namespace odec::ir
