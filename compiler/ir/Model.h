// A model lowered to IR: the vector field as one expression per state, over Variable
// inputs for the states and the parameters.
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

  int64_t stateDim() const;  // total elements of all states
  int64_t paramCount() const; // total elements of all parameters
  /// The field as a Function: inputs = state vars then param vars; outputs = ddt.
  Function field() const;
};

} // namespace odec::ir
