// Numeric CSV files: a header line of column names, then rows of numbers. Used for
// trajectories (`t,x[1],x[2]`), batches of initial states and, later, training data.
#pragma once

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
CsvTable parseCsv(const std::string &text, const std::string &file);
CsvTable loadCsv(const std::string &path);

/// Formats a table: header, then one line per row, each number in shortest round-trip form.
std::string formatCsv(const CsvTable &table);

/// Shortest decimal text that reads back as exactly `v`.
std::string formatNumber(double v);

} // namespace odec
