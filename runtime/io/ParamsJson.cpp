#include "io/ParamsJson.h"

#include "io/AtomicFile.h"
#include "io/SourceExcerpt.h"

#include <cmath>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

namespace odec {

namespace {

// The excerpt (io/SourceExcerpt.h) of line `line` of text for a 1-based column.
std::string caretLines(const std::string &text, int line, int col) {
  size_t start = 0;
  for (int l = 1; l < line && start != std::string::npos; ++l) {
    start = text.find('\n', start);
    if (start != std::string::npos)
      ++start;
  }
  if (start == std::string::npos || start > text.size())
    return "";
  size_t end = text.find('\n', start);
  std::string_view lineText(text.data() + start, (end == std::string::npos ? text.size() : end) - start);
  if (!lineText.empty() && lineText.back() == '\r')
    lineText.remove_suffix(1);
  std::string out = "\n"; // appended, not "\n" + …: GCC 12 warns (-Wrestrict) at that form
  out += sourceExcerpt(lineText, col);
  return out;
}

} // namespace

FileError::FileError(const std::string &file, int line, int col, const std::string &msg,
                     const std::string &text)
    : std::runtime_error(file + ":" + std::to_string(line) + ":" + std::to_string(col) +
                         ": error: " + msg + (text.empty() ? "" : caretLines(text, line, col))) {}
FileError::FileError(const std::string &file, const std::string &msg)
    : std::runtime_error(file + ": error: " + msg) {}

using nlohmann::json;

namespace {

// Line and column (1-based) of a byte offset, for JSON syntax errors.
std::pair<int, int> lineColOf(const std::string &text, size_t byte) {
  int line = 1, col = 1;
  for (size_t i = 0; i < byte && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      col = 1;
    } else if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {
      ++col;
    }
  }
  return {line, col};
}

double finiteNumber(const json &v, const std::string &file, const std::string &where) {
  if (!v.is_number())
    throw FileError(file, where + " must be a number, got " + std::string(v.type_name()));
  double d = v.get<double>();
  if (!std::isfinite(d))
    throw FileError(file, where + " is not finite");
  return d;
}

std::string elementName(const TensorSlot &s, int i, int j) {
  if (s.rank == 0)
    return "parameter '" + s.name + "'";
  if (s.rank == 1)
    return "'" + s.name + "[" + std::to_string(i + 1) + "]'";
  return "'" + s.name + "[" + std::to_string(i + 1) + "," + std::to_string(j + 1) + "]'";
}

void readSlot(const json &v, const TensorSlot &s, const std::string &file, double *out) {
  std::string what = "parameter '" + s.name + "' (" + s.typeName() + ")";
  if (s.rank == 0) {
    out[0] = finiteNumber(v, file, elementName(s, 0, 0));
    return;
  }
  if (!v.is_array())
    throw FileError(file, what + " must be an array, got " + std::string(v.type_name()));
  if (v.size() != size_t(s.rows))
    throw FileError(file, what + " has " + std::to_string(v.size()) + (s.rank == 1 ? " entries" : " rows") +
                              ", expected " + std::to_string(s.rows));
  for (int i = 0; i < s.rows; ++i) {
    if (s.rank == 1) {
      out[i] = finiteNumber(v[i], file, elementName(s, i, 0));
      continue;
    }
    const json &row = v[i];
    if (!row.is_array() || row.size() != size_t(s.cols))
      throw FileError(file, what + ": row " + std::to_string(i + 1) + " must be an array of " +
                                std::to_string(s.cols) + " numbers");
    for (int j = 0; j < s.cols; ++j)
      out[int64_t(i) * s.cols + j] = finiteNumber(row[j], file, elementName(s, i, j));
  }
}

} // namespace

std::vector<double> parseParamsJson(const std::string &text, const std::vector<TensorSlot> &layout,
                                    const std::string &file) {
  json doc;
  try {
    doc = json::parse(text);
  } catch (const json::parse_error &e) {
    auto [line, col] = lineColOf(text, e.byte == 0 ? 0 : e.byte - 1);
    std::string msg = e.what();
    // nlohmann's message is "[json.exception.parse_error.101] parse error at line 1, column 2: ..."
    auto colon = msg.find(": ", msg.find("parse error"));
    throw FileError(file, line, col,
                    "invalid JSON: " + (colon == std::string::npos ? msg : msg.substr(colon + 2)),
                    text);
  } catch (const json::out_of_range &e) {
    // Only a number beyond double's range gets here ("number overflow parsing '1e400'"); the
    // exception has no position, so the number is found in the text by its spelling.
    const std::string msg = e.what();
    const size_t open = msg.find('\''), close = msg.rfind('\'');
    const std::string number =
        open != std::string::npos && close > open ? msg.substr(open + 1, close - open - 1) : "";
    const size_t at = number.empty() ? std::string::npos : text.find(number);
    const std::string what = "number " + (number.empty() ? std::string("") : number + " ") +
                             "is out of range (a double holds magnitudes up to about 1.8e308)";
    if (at == std::string::npos)
      throw FileError(file, what);
    auto [line, col] = lineColOf(text, at);
    throw FileError(file, line, col, what, text);
  }
  if (!doc.is_object())
    throw FileError(file, "expected a JSON object mapping parameter names to values");
  std::vector<double> flat(size_t(flatSize(layout)));
  std::set<std::string> known;
  for (const TensorSlot &s : layout) {
    known.insert(s.name);
    auto it = doc.find(s.name);
    if (it == doc.end())
      throw FileError(file, "missing parameter '" + s.name + "' (" + s.typeName() + ")");
    readSlot(*it, s, file, flat.data() + s.offset);
  }
  for (auto it = doc.begin(); it != doc.end(); ++it)
    if (!known.count(it.key())) {
      std::string names;
      for (const TensorSlot &s : layout)
        names += (names.empty() ? "" : ", ") + s.name;
      throw FileError(file, "unknown parameter '" + it.key() + "' (the model's parameters: " +
                                (names.empty() ? "none" : names) + ")");
    }
  return flat;
}

std::vector<double> loadParamsJson(const std::string &path, const std::vector<TensorSlot> &layout) {
  return parseParamsJson(readFile(path), layout, path);
}

std::string paramsToJson(const std::vector<double> &flat, const std::vector<TensorSlot> &layout) {
  nlohmann::ordered_json doc = nlohmann::ordered_json::object(); // declaration order
  for (const TensorSlot &s : layout) {
    const double *p = flat.data() + s.offset;
    if (s.rank == 0) {
      doc[s.name] = p[0];
    } else if (s.rank == 1) {
      doc[s.name] = std::vector<double>(p, p + s.rows);
    } else {
      nlohmann::ordered_json rows = nlohmann::ordered_json::array();
      for (int i = 0; i < s.rows; ++i)
        rows.push_back(std::vector<double>(p + int64_t(i) * s.cols, p + int64_t(i + 1) * s.cols));
      doc[s.name] = rows;
    }
  }
  return doc.dump(2) + "\n";
}

} // namespace odec
