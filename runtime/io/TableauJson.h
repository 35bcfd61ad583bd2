// The JSON form of a tableau analysis (odec tableau --json):
//   {"name": "RK4", "stages": 4, "explicit": true, "exact": true, "order": 4,
//    "row_sum_consistent": true,
//    "stability_function": {"numerator": [1, 1, 0.5, ...], "denominator": [1],
//                           "numerator_exact": ["1", "1", "1//2", ...], "denominator_exact":
//                           ["1"]},
//    "real_interval": [-2.785..., 0], "imaginary_extent": 2.828..., "a_stable": false,
//    "symplectic": false, "diagonally_implicit": false, "fsal": false, "embedded": null}
// An embedded pair's "embedded" is {"order", "stability_function", "real_interval",
// "imaginary_extent"} of its second method (bhat), and "dense_output": {"kind": "tableau" (its
// `dense`) or "hermite", "order"}, how adaptive solves output between step ends. Coefficient lists are lowest power first; the *_exact lists appear only when the function
// is exact. Infinite values (an unbounded interval end or extent) are null.
#pragma once

#include "tableau/TableauReport.h"

#include <nlohmann/json.hpp>

namespace odec {

nlohmann::ordered_json toJson(const TableauReport &r);

} // namespace odec
