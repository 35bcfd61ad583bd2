#include "io/Csv.h"

#include "io/AtomicFile.h"
#include "io/ParamsJson.h"

#include <charconv>
#include <cmath>

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

CsvTable parseCsv(const std::string &text, const std::string &file) {
  CsvTable table;
  bool haveHeader = false;
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
      continue;
    }
    if (fields.size() != table.columns.size())
      throw FileError(file, lineNo, 1,
                      "row has " + std::to_string(fields.size()) + " fields, the header has " +
                          std::to_string(table.columns.size()),
                      text);
    for (auto &[f, col] : fields) {
      std::string_view v = trim(f);
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

CsvTable loadCsv(const std::string &path) { return parseCsv(readFile(path), path); }

std::string formatNumber(double v) {
  char buf[32];
  auto [ptr, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, ptr);
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
