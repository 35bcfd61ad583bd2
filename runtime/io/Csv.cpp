#include "io/Csv.h"

#include "io/AtomicFile.h"
#include "io/ParamsJson.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>

namespace odec {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

// Splits a line at commas, keeping each field's starting column (1-based, in bytes).
std::vector<std::pair<std::string_view, int>> splitFields(std::string_view line) {
  std::vector<std::pair<std::string_view, int>> fields;
  size_t start = 0;
  while (true) {
    size_t comma = line.find(',', start);
    size_t end = comma == std::string_view::npos ? line.size() : comma;
    fields.push_back({line.substr(start, end - start), int(start) + 1});
    if (comma == std::string_view::npos)
      break;
    start = comma + 1;
  }
  return fields;
}

} // namespace

CsvTable parseCsv(const std::string &text, const std::string &file,
                  const std::function<bool(const std::string &)> &mayBeMissing) {
  CsvTable table;
  bool haveHeader = false;
  std::vector<bool> missingOk; // per column
  int lineNo = 0;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t nl = text.find('\n', pos);
    std::string_view line(text.data() + pos, (nl == std::string::npos ? text.size() : nl) - pos);
    pos = nl == std::string::npos ? text.size() + 1 : nl + 1;
    ++lineNo;
    std::string_view content = trim(line);
    if (content.empty() || content.front() == '#')
      continue;
    auto fields = splitFields(line);
    if (!haveHeader) {
      for (auto &[f, col] : fields) {
        std::string_view name = trim(f);
        if (name.empty())
          throw FileError(file, lineNo, col, "empty column name in the header", text);
        table.columns.emplace_back(name);
      }
      haveHeader = true;
      table.headerLine = lineNo;
      for (const std::string &c : table.columns)
        missingOk.push_back(mayBeMissing && mayBeMissing(c));
      continue;
    }
    if (fields.size() != table.columns.size())
      throw FileError(file, lineNo, 1,
                      "row has " + std::to_string(fields.size()) + " fields, the header has " +
                          std::to_string(table.columns.size()),
                      text);
    for (size_t c = 0; c < fields.size(); ++c) {
      const auto &[f, col] = fields[c];
      std::string_view v = trim(f);
      if (missingOk[c] && (v.empty() || v == "nan" || v == "NaN" || v == "NA")) {
        table.values.push_back(std::numeric_limits<double>::quiet_NaN());
        continue;
      }
      double d = 0;
      auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), d);
      if (v.empty() || ec != std::errc() || ptr != v.data() + v.size())
        throw FileError(file, lineNo, col, "expected a number, got '" + std::string(v) + "'", text);
      if (!std::isfinite(d))
        throw FileError(file, lineNo, col, "non-finite value '" + std::string(v) + "'", text);
      table.values.push_back(d);
    }
    table.rowLines.push_back(lineNo);
  }
  if (!haveHeader)
    throw FileError(file, "empty file: expected a header line of column names");
  return table;
}

CsvTable loadCsv(const std::string &path,
                 const std::function<bool(const std::string &)> &mayBeMissing) {
  return parseCsv(readFile(path), path, mayBeMissing);
}

std::string formatNumber(double v) {
  char buf[32];
  auto [ptr, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, ptr);
}

namespace {

constexpr double kPowersOf10[] = {1e0, 1e1, 1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                  1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};
constexpr double kExactIntegers = 9007199254740992.0; // 2^53

// The fewest decimal places k ≤ 15 with v = round(v·10^k) / 10^k, or -1.
int decimalPlaces(double v) {
  for (int k = 0; k < 16; ++k) {
    const double scaled = std::round(v * kPowersOf10[k]);
    if (std::abs(scaled) < kExactIntegers && scaled / kPowersOf10[k] == v)
      return k;
  }
  return -1;
}

} // namespace

double gridTime(double t0, double h, int64_t n) {
  const int kt = decimalPlaces(t0), kh = decimalPlaces(h);
  if (kt >= 0 && kh >= 0) {
    const double p = kPowersOf10[std::max(kt, kh)];
    const double T = std::round(t0 * p), H = std::round(h * p);
    // |T + n·H| < 2^53 keeps every operation below exact; the division then rounds once.
    if (std::abs(T) + std::abs(H) * std::abs(double(n)) < kExactIntegers)
      return (T + double(n) * H) / p;
  }
  return t0 + double(n) * h;
}

std::string formatCsv(const CsvTable &table) {
  std::string out;
  for (size_t c = 0; c < table.columns.size(); ++c)
    out += (c ? "," : "") + table.columns[c];
  out += '\n';
  for (size_t r = 0; r < table.rows(); ++r) {
    for (size_t c = 0; c < table.columns.size(); ++c) {
      if (c)
        out += ',';
      out += formatNumber(table.at(r, c));
    }
    out += '\n';
  }
  return out;
}

} // namespace odec
