#include "io/TrajectoryData.h"

#include "io/AtomicFile.h"
#include "io/Csv.h"
#include "io/ParamsJson.h"
#include "support/Step.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <functional>
#include <map>
#include <stdexcept>

namespace odec {

namespace {

// A FileError at one sample of one trajectory (indices into TrajectoryData::trajectories and
// its samples); each format says where that is in its file.
using Locate = std::function<FileError(size_t traj, int64_t sample, const std::string &msg)>;

std::string joined(const std::vector<std::string> &names) {
  std::string s;
  for (const std::string &n : names)
    s += (s.empty() ? "" : ",") + n;
  return s;
}

bool onGrid(double t, double expected) {
  return std::abs(t - expected) <= 1e-9 * std::max(1.0, std::abs(t));
}

// The checks every format shares: strictly increasing times, enough samples per trajectory,
// and one uniform grid whose interval is a whole number of training steps (or, where the grid
// allows irregular times, stride 0 for times off such a grid). Sets data.stride.
void checkGrid(TrajectoryData &data, const TrajectoryGrid &grid, const Locate &at) {
  requireStep(grid.step, "the training step");
  data.step = grid.step;
  for (size_t j = 0; j < data.trajectories.size(); ++j) {
    const Trajectory &tr = data.trajectories[j];
    const std::string name = "trajectory " + std::to_string(tr.id);
    for (int64_t k = 1; k < tr.samples(); ++k) {
      double t = tr.times[size_t(k)], prev = tr.times[size_t(k - 1)];
      if (!(t > prev))
        throw at(j, k,
                 "time " + formatNumber(t) + " is not after the previous sample's " +
                     formatNumber(prev) + " (times must increase strictly within " + name + ")");
    }
    if (tr.samples() < grid.minSamples)
      throw at(j, 0,
               name + " has " + std::to_string(tr.samples()) + " sample" +
                   (tr.samples() == 1 ? "" : "s") + "; at least " +
                   std::to_string(grid.minSamples) +
                   " are needed (a training window spans horizon + 1 samples)");
  }
  data.stride = 0; // found from the first trajectory with two samples
  const double h = grid.step;
  for (size_t j = 0; j < data.trajectories.size(); ++j) {
    const Trajectory &tr = data.trajectories[j];
    const std::string name = "trajectory " + std::to_string(tr.id);
    for (int64_t k = 1; k < tr.samples(); ++k) {
      double t = tr.times[size_t(k)], prev = tr.times[size_t(k - 1)];
      if (data.stride == 0) {
        double interval = t - prev;
        long long m = std::llround(interval / h);
        if (m < 1 || !onGrid(t, prev + double(m) * h)) {
          if (grid.irregular)
            return;
          throw at(j, k,
                   "the sample interval " + formatNumber(interval) +
                       " is not a whole number of training steps of " + formatNumber(h));
        }
        data.stride = m;
      }
      double expected = tr.times[0] + double(k * data.stride) * h;
      if (!onGrid(t, expected)) {
        if (grid.irregular) {
          data.stride = 0;
          return;
        }
        throw at(j, k,
                 "time " + formatNumber(t) + " is off the uniform grid of " + name + " (expected " +
                     formatNumber(expected) + ": one sample every " +
                     (data.stride == 1 ? "training step"
                                       : std::to_string(data.stride) + " training steps") +
                     " of " + formatNumber(h) + " from t = " + formatNumber(tr.times[0]) + ")");
      }
    }
  }
  if (data.stride == 0)
    data.stride = 1; // every trajectory has one sample (and minSamples allowed it)
}

/// The data columns after t, in file order: state, outputs, inputs.
std::vector<std::string> dataColumns(const TrajectoryGrid &grid) {
  std::vector<std::string> c = grid.stateColumns;
  c.insert(c.end(), grid.outputColumns.begin(), grid.outputColumns.end());
  c.insert(c.end(), grid.inputColumns.begin(), grid.inputColumns.end());
  return c;
}

/// Appends a row's values after t to the trajectory's state, outputs and inputs.
void appendRow(Trajectory &tr, const TrajectoryGrid &grid, const std::function<double(size_t)> &v) {
  const size_t D = grid.stateColumns.size(), O = grid.outputColumns.size(),
               M = grid.inputColumns.size();
  for (size_t d = 0; d < D; ++d)
    tr.states.push_back(v(d));
  for (size_t o = 0; o < O; ++o)
    tr.outputs.push_back(v(D + o));
  for (size_t m = 0; m < M; ++m)
    tr.inputs.push_back(v(D + O + m));
}

void copyColumns(TrajectoryData &data, const TrajectoryGrid &grid) {
  data.stateColumns = grid.stateColumns;
  data.outputColumns = grid.outputColumns;
  data.inputColumns = grid.inputColumns;
}

// 1-based column of field `index` (0-based) of a 1-based line of text.
int fieldColumn(const std::string &text, int line, size_t index) {
  size_t pos = 0;
  for (int l = 1; l < line; ++l)
    pos = text.find('\n', pos) + 1;
  size_t start = pos;
  for (size_t f = 0; f < index; ++f)
    pos = text.find(',', pos) + 1;
  return int(pos - start) + 1;
}

// ---------------------------------------------------------------------------------------
// NPY

std::string npyShapeText(const std::vector<int64_t> &shape) {
  std::string s = "(";
  for (size_t i = 0; i < shape.size(); ++i)
    s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + (shape.size() == 1 ? ",)" : ")");
}

// The header dictionary of an NPY file, a Python literal such as
// {'descr': '<f8', 'fortran_order': False, 'shape': (3, 50, 3), }
struct NpyHeader {
  std::string descr;
  bool fortranOrder = false;
  std::vector<int64_t> shape;
  bool haveDescr = false, haveOrder = false, haveShape = false;
};

class NpyHeaderParser {
public:
  NpyHeaderParser(std::string text, const std::string &file) : s_(std::move(text)), file_(file) {}

  /// header ::= '{' (key ':' value ',')* (key ':' value)? '}'
  NpyHeader parse() {
    NpyHeader h;
    expect('{');
    while (!peek('}')) {
      std::string key = string();
      expect(':');
      if (key == "descr") {
        h.descr = string();
        h.haveDescr = true;
      } else if (key == "fortran_order") {
        h.fortranOrder = boolean();
        h.haveOrder = true;
      } else if (key == "shape") {
        h.shape = tuple();
        h.haveShape = true;
      } else {
        fail("unexpected key '" + key + "'");
      }
      if (!peek('}'))
        expect(',');
    }
    expect('}');
    if (!h.haveDescr || !h.haveOrder || !h.haveShape)
      fail("the header must give 'descr', 'fortran_order' and 'shape'");
    return h;
  }

private:
  void skipSpace() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\n' || s_[pos_] == '\t'))
      ++pos_;
  }
  bool peek(char c) {
    skipSpace();
    return pos_ < s_.size() && s_[pos_] == c;
  }
  void expect(char c) {
    if (!peek(c))
      fail(std::string("expected '") + c + "'");
    ++pos_;
  }
  /// string ::= "'" chars "'" | '"' chars '"'
  std::string string() {
    skipSpace();
    if (pos_ >= s_.size() || (s_[pos_] != '\'' && s_[pos_] != '"'))
      fail("expected a quoted string");
    char quote = s_[pos_++];
    size_t end = s_.find(quote, pos_);
    if (end == std::string::npos)
      fail("unterminated string");
    std::string v = s_.substr(pos_, end - pos_);
    pos_ = end + 1;
    return v;
  }
  /// boolean ::= 'True' | 'False'
  bool boolean() {
    skipSpace();
    for (bool v : {true, false}) {
      std::string word = v ? "True" : "False";
      if (s_.compare(pos_, word.size(), word) == 0) {
        pos_ += word.size();
        return v;
      }
    }
    fail("expected True or False");
  }
  /// tuple ::= '(' (int ',')* int? ')'
  std::vector<int64_t> tuple() {
    std::vector<int64_t> v;
    expect('(');
    while (!peek(')')) {
      size_t start = pos_;
      int64_t n = 0;
      while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9' && n < (int64_t(1) << 40))
        n = n * 10 + (s_[pos_++] - '0');
      if (pos_ == start)
        fail("expected a non-negative integer in the shape");
      v.push_back(n);
      if (!peek(')'))
        expect(',');
    }
    expect(')');
    return v;
  }
  [[noreturn]] void fail(const std::string &msg) {
    std::string shown = s_.substr(0, s_.find_last_not_of(" \n") + 1); // without the padding
    throw FileError(file_, "malformed NPY header: " + msg + " in " + shown);
  }

  std::string s_;
  const std::string &file_;
  size_t pos_ = 0;
};

uint64_t littleEndian(const unsigned char *p, int bytes) {
  uint64_t v = 0;
  for (int i = bytes - 1; i >= 0; --i)
    v = (v << 8) | p[i];
  return v;
}

} // namespace

TrajectoryData parseTrajectoryCsv(const std::string &text, const std::string &file,
                                  const TrajectoryGrid &grid) {
  const std::vector<std::string> columns = dataColumns(grid);
  const size_t observedEnd = grid.stateColumns.size() + grid.outputColumns.size();
  CsvTable t = parseCsv(text, file, [&](const std::string &name) {
    if (!grid.allowMissing)
      return false;
    const auto it = std::find(columns.begin(), columns.end(), name);
    return it != columns.end() && size_t(it - columns.begin()) < observedEnd;
  });
  std::vector<std::string> withId = {"traj", "t"}, withoutId = {"t"};
  for (const std::string &c : columns) {
    withId.push_back(c);
    withoutId.push_back(c);
  }
  const bool hasId = t.columns == withId;
  if (!hasId && t.columns != withoutId) {
    const std::vector<std::string> &want =
        !t.columns.empty() && t.columns[0] == "t" ? withoutId : withId;
    size_t bad = 0;
    while (bad < t.columns.size() && bad < want.size() && t.columns[bad] == want[bad])
      ++bad;
    bad = std::min(bad, t.columns.size() - 1);
    throw FileError(file, t.headerLine, fieldColumn(text, t.headerLine, bad),
                    "expected the columns '" + joined(withId) + "' (the model's state columns" +
                        (grid.outputColumns.empty() ? "" : ", then its output columns") +
                        (grid.inputColumns.empty() ? "" : ", then its input columns") +
                        (columns.size() > grid.stateColumns.size() ? "," : "") +
                        " in order; 'traj' may be left out for one trajectory), got '" +
                        joined(t.columns) + "'",
                    text);
  }
  if (t.rows() == 0)
    throw FileError(file, "no samples (the file has only a header)");

  TrajectoryData data;
  copyColumns(data, grid);
  std::vector<std::vector<int>> lines; // source line of each sample, per trajectory
  std::map<int64_t, int> seenAtLine;   // trajectory id -> its first line
  const size_t tcol = hasId ? 1 : 0;
  for (size_t r = 0; r < t.rows(); ++r) {
    const int line = t.rowLines[r];
    int64_t id = 1;
    if (hasId) {
      double v = t.at(r, 0);
      if (v != std::floor(v) || std::abs(v) > 9.0e15)
        throw FileError(file, line, 1, "trajectory id '" + formatNumber(v) + "' is not an integer",
                        text);
      id = int64_t(v);
    }
    if (data.trajectories.empty() || data.trajectories.back().id != id) {
      if (auto it = seenAtLine.find(id); it != seenAtLine.end())
        throw FileError(file, line, 1,
                        "the rows of trajectory " + std::to_string(id) + " (from line " +
                            std::to_string(it->second) + ") must be contiguous, but trajectory " +
                            std::to_string(data.trajectories.back().id) + " came in between",
                        text);
      seenAtLine[id] = line;
      data.trajectories.push_back({id, {}, {}, {}, {}});
      lines.emplace_back();
    }
    Trajectory &tr = data.trajectories.back();
    tr.times.push_back(t.at(r, tcol));
    appendRow(tr, grid, [&](size_t c) { return t.at(r, tcol + 1 + c); });
    lines.back().push_back(line);
  }
  checkGrid(data, grid, [&](size_t j, int64_t k, const std::string &msg) {
    int line = lines[j][size_t(k)];
    return FileError(file, line, fieldColumn(text, line, tcol), msg, text);
  });
  return data;
}

TrajectoryData parseTrajectoryNpy(const std::string &bytes, const std::string &file,
                                  const TrajectoryGrid &grid) {
  const auto *u = reinterpret_cast<const unsigned char *>(bytes.data());
  if (bytes.size() < 10 || bytes.compare(0, 6, "\x93NUMPY") != 0)
    throw FileError(file, "not an NPY file (it does not start with \"\\x93NUMPY\")");
  const int major = u[6];
  if (major < 1 || major > 3)
    throw FileError(file, "unsupported NPY format version " + std::to_string(major) + "." +
                              std::to_string(u[7]));
  const int lenBytes = major == 1 ? 2 : 4;
  if (bytes.size() < size_t(8 + lenBytes))
    throw FileError(file, "truncated NPY header");
  const size_t headerStart = size_t(8 + lenBytes);
  const size_t headerLen = size_t(littleEndian(u + 8, lenBytes));
  if (bytes.size() < headerStart + headerLen)
    throw FileError(file, "truncated NPY header");
  NpyHeader h = NpyHeaderParser(bytes.substr(headerStart, headerLen), file).parse();

  const std::vector<std::string> columns = dataColumns(grid);
  const int64_t D = int64_t(columns.size());
  const int64_t observedEnd = int64_t(grid.stateColumns.size() + grid.outputColumns.size());
  if (h.descr != "<f8")
    throw FileError(file,
                    "unsupported dtype '" + h.descr + "': expected little-endian float64 ('<f8')");
  if (h.fortranOrder)
    throw FileError(file, "Fortran-order arrays are not supported: save the array in C order");
  if (h.shape.size() != 2 && h.shape.size() != 3)
    throw FileError(file, "shape " + npyShapeText(h.shape) +
                              " is not supported: expected (K, T, 1+D) or (T, 1+D)");
  const int64_t K = h.shape.size() == 3 ? h.shape[0] : 1;
  const int64_t T = h.shape[h.shape.size() - 2], C = h.shape.back();
  if (C != 1 + D)
    throw FileError(file, "shape " + npyShapeText(h.shape) + ": the last axis has " +
                              std::to_string(C) + " entries, expected 1 + " + std::to_string(D) +
                              " (t, " + joined(columns) + ")");
  if (K == 0 || T == 0)
    throw FileError(file, "shape " + npyShapeText(h.shape) + " holds no samples");
  const size_t dataBytes = bytes.size() - headerStart - headerLen;
  const long double want = (long double)K * (long double)T * (long double)C * 8;
  if ((long double)dataBytes != want) {
    // Exact up to 2^63 bytes; beyond (a hostile shape) rounded, never cast out of range.
    char needs[64];
    if (want < 0x1p63L)
      std::snprintf(needs, sizeof needs, "%lld", (long long)want);
    else
      std::snprintf(needs, sizeof needs, "about %.3Le", want);
    throw FileError(file, "the data has " + std::to_string(dataBytes) + " bytes; shape " +
                              npyShapeText(h.shape) + " needs " + needs);
  }

  const unsigned char *p = u + headerStart + headerLen;
  TrajectoryData data;
  copyColumns(data, grid);
  std::vector<double> row(static_cast<size_t>(C));
  for (int64_t k = 0; k < K; ++k) {
    Trajectory tr{k + 1, {}, {}, {}, {}};
    for (int64_t s = 0; s < T; ++s) {
      for (int64_t c = 0; c < C; ++c, p += 8) {
        double v = std::bit_cast<double>(littleEndian(p, 8));
        const bool missing = grid.allowMissing && c >= 1 && c <= observedEnd && std::isnan(v);
        if (!std::isfinite(v) && !missing)
          throw FileError(file, "trajectory " + std::to_string(k + 1) + ", sample " +
                                    std::to_string(s + 1) + ": non-finite value in column '" +
                                    (c == 0 ? std::string("t") : columns[size_t(c - 1)]) + "'");
        row[size_t(c)] = v;
      }
      tr.times.push_back(row[0]);
      appendRow(tr, grid, [&](size_t c) { return row[c + 1]; });
    }
    data.trajectories.push_back(std::move(tr));
  }
  checkGrid(data, grid, [&](size_t j, int64_t k, const std::string &msg) {
    return FileError(file, "trajectory " + std::to_string(j + 1) + ", sample " +
                               std::to_string(k + 1) + ": " + msg);
  });
  return data;
}

TrajectoryData loadTrajectories(const std::string &path, const TrajectoryGrid &grid) {
  std::string bytes = readFile(path);
  if (path.size() >= 4 && path.compare(path.size() - 4, 4, ".npy") == 0)
    return parseTrajectoryNpy(bytes, path, grid);
  return parseTrajectoryCsv(bytes, path, grid);
}

namespace {

/// Sample k's values after t, in file order (state, outputs, inputs).
void appendSample(std::vector<double> &out, const TrajectoryData &data, const Trajectory &tr,
                  size_t k) {
  const size_t widths[] = {data.stateColumns.size(), data.outputColumns.size(),
                           data.inputColumns.size()};
  const std::vector<double> *parts[] = {&tr.states, &tr.outputs, &tr.inputs};
  for (int i = 0; i < 3; ++i)
    out.insert(out.end(), parts[i]->begin() + long(k * widths[i]),
               parts[i]->begin() + long((k + 1) * widths[i]));
}

} // namespace

std::string trajectoriesToCsv(const TrajectoryData &data) {
  CsvTable t;
  t.columns = {"traj", "t"};
  for (const auto *names : {&data.stateColumns, &data.outputColumns, &data.inputColumns})
    t.columns.insert(t.columns.end(), names->begin(), names->end());
  for (const Trajectory &tr : data.trajectories)
    for (size_t k = 0; k < tr.times.size(); ++k) {
      t.values.push_back(double(tr.id));
      t.values.push_back(tr.times[k]);
      appendSample(t.values, data, tr, k);
    }
  return formatCsv(t);
}

std::string trajectoriesToNpy(const TrajectoryData &data) {
  const int64_t K = int64_t(data.trajectories.size());
  const int64_t T = K ? data.trajectories[0].samples() : 0;
  const int64_t C =
      1 + int64_t(data.stateColumns.size() + data.outputColumns.size() + data.inputColumns.size());
  for (const Trajectory &tr : data.trajectories)
    if (tr.samples() != T)
      throw std::invalid_argument("an NPY array needs trajectories of equal length; trajectory " +
                                  std::to_string(tr.id) + " has " + std::to_string(tr.samples()) +
                                  " samples, the first has " + std::to_string(T));
  std::string header =
      "{'descr': '<f8', 'fortran_order': False, 'shape': " + npyShapeText({K, T, C}) + ", }";
  // The format pads the header with spaces and a final newline so the data is 64-byte aligned.
  while ((10 + header.size() + 1) % 64 != 0)
    header += ' ';
  header += '\n';
  std::string out = "\x93NUMPY";
  out += char(1);
  out += char(0);
  out += char(header.size() & 0xFF);
  out += char(header.size() >> 8);
  out += header;
  auto put = [&out](double v) {
    uint64_t bits = std::bit_cast<uint64_t>(v);
    for (int i = 0; i < 8; ++i)
      out += char((bits >> (8 * i)) & 0xFF);
  };
  std::vector<double> sample;
  for (const Trajectory &tr : data.trajectories)
    for (size_t k = 0; k < tr.times.size(); ++k) {
      put(tr.times[k]);
      sample.clear();
      appendSample(sample, data, tr, k);
      for (double v : sample)
        put(v);
    }
  return out;
}

} // namespace odec
