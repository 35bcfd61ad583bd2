// The report of stability-informed initialization, shared by `odec init` and
// `odec train --init stability`: what was found, against which region, and what time scales
// the eigenvalues mean, so a mismatch with the data's time scale shows.
#pragma once

#include "odec/odec.h"

#include <nlohmann/json.hpp>
#include <string>

namespace odec::cli {

/// The eigenvalues of a linear fit to the data (Model::dataEigenvalues) beside the
/// initialized ones: a warning when their largest |λ| differ by more than kTimeScaleMismatch
/// either way (empty when they agree, or without data).
constexpr double kTimeScaleMismatch = 10;
std::string timeScaleWarning(const InitResult &r, const std::vector<std::complex<double>> &data);

/// The human report, one item per line, each indented by two spaces after the first; with
/// `data` (the data's linearization) also its eigenvalues and time scales.
std::string initReportText(const Model &m, const InitResult &r,
                           const std::vector<std::complex<double>> *data = nullptr);

/// The JSON report: {"model", "solver", "region", "step", "margin", "strategy", "tries",
/// "acceptance_rate", "operating_points", "eigenvalues": [[re, im], ...] (λ),
/// "scaled_eigenvalues" (hλ), "max_abs_R", "time_scales": [{"eigenvalue", "decay_time",
/// "period"}, ...] (one per real eigenvalue or conjugate pair of the first point; null when
/// infinite), and for placement "target_eigenvalues" (λ), "placed_parameter" and
/// "placement_region" {"real", "imag", "radius", "frequency"} (each [lo, hi] or null)}; with
/// `data`, "data_eigenvalues", "data_time_scales" and "warning" (timeScaleWarning, or null).
nlohmann::ordered_json initReportJson(const Model &m, const InitResult &r,
                                      const std::vector<std::complex<double>> *data = nullptr);

} // namespace odec::cli
