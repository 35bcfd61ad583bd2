// Numeric CSV files: a header line of column names, then rows of numbers. Used for
// trajectories (`t,x[1],x[2]`), batches of initial states and, later, training data.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace odec {

struct CsvTable {
  std::vector<std::string> columns;
  std::vector<double> values; // rows x columns, row-major
  int headerLine = 0;         // 1-based source line of the header, when parsed
  std::vector<int> rowLines;  // 1-based source line of each row, when parsed (for messages)
  size_t rows() const { return columns.empty() ? 0 : values.size() / columns.size(); }
  double at(size_t r, size_t c) const { return values[r * columns.size() + c]; }
};

/// Parses CSV text. Every row must have as many fields as the header, every field a finite
/// number; errors are FileError (`file:line:col: error: ...`). Blank lines and `#` comment
/// lines are skipped; CRLF line endings are accepted.
/// Columns for which mayBeMissing(name) holds may leave a field empty or write NaN (`nan`,
/// `NaN`, `NA`): the value is a quiet NaN, a missing observation.
CsvTable parseCsv(const std::string &text, const std::string &file,
                  const std::function<bool(const std::string &)> &mayBeMissing = {});
CsvTable loadCsv(const std::string &path,
                 const std::function<bool(const std::string &)> &mayBeMissing = {});

/// Formats a table: header, then one line per row, each number in shortest round-trip form.
std::string formatCsv(const CsvTable &table);

/// Shortest decimal text that reads back as exactly `v`.
std::string formatNumber(double v);

/// The time t0 + n·h of step n as decimal arithmetic gives it: when t0 and h are decimals of at
/// most 15 places (their double is the nearest to one), it is (T0 + n·H) / 10^k in exact
/// integers, rounded once, so three steps of 0.1 are 0.3 (not 0.30000000000000004) and print
/// as such; otherwise, or when the integers would pass 2^53, t0 + n·h in floating point.
double gridTime(double t0, double h, int64_t n);

} // namespace odec
