// Loading training data: the CSV and NPY layouts, the uniform-grid checks against the
// training step (with strides), and the exact message of every kind of bad file.
#include "../ErrorOf.h"
#include "io/ParamsJson.h"
#include "io/TrajectoryData.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <functional>

using namespace odec;

namespace {

TrajectoryGrid grid2(double h = 0.1, int64_t minSamples = 2) {
  return {{"x[1]", "x[2]"}, h, minSamples};
}

using odec::test::errorOf;

std::string csvError(const std::string &text, const TrajectoryGrid &g = grid2()) {
  return errorOf([&] { parseTrajectoryCsv(text, "d.csv", g); });
}

std::string npyError(const std::string &bytes, const TrajectoryGrid &g = grid2()) {
  return errorOf([&] { parseTrajectoryNpy(bytes, "d.npy", g); });
}

// An NPY file written by hand (not by trajectoriesToNpy): header text as given, padded.
std::string npyBytes(const std::string &dict, const std::vector<double> &values) {
  std::string header = dict;
  while ((10 + header.size() + 1) % 64)
    header += ' ';
  header += '\n';
  std::string out = std::string("\x93NUMPY\x01\x00", 8);
  out += char(header.size() % 256);
  out += char(header.size() / 256);
  out += header;
  for (double v : values) {
    char b[8];
    std::memcpy(b, &v, 8); // the test machine is little-endian (x86-64)
    out.append(b, 8);
  }
  return out;
}

} // namespace

TEST(TrajectoryCsv, ReadsManyTrajectories) {
  TrajectoryData d = parseTrajectoryCsv("# two trajectories\ntraj,t,x[1],x[2]\n"
                                        "7,0,1,2\n7,0.1,3,4\n7,0.2,5,6\n"
                                        "2,1.5,-1,-2\n2,1.6,-3,-4\n",
                                        "d.csv", grid2());
  ASSERT_EQ(d.trajectories.size(), 2u);
  EXPECT_EQ(d.trajectories[0].id, 7);
  EXPECT_EQ(d.trajectories[0].times, (std::vector<double>{0, 0.1, 0.2}));
  EXPECT_EQ(d.trajectories[0].states, (std::vector<double>{1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(d.trajectories[1].id, 2);
  EXPECT_EQ(d.trajectories[1].times, (std::vector<double>{1.5, 1.6}));
  EXPECT_EQ(d.trajectories[1].states, (std::vector<double>{-1, -2, -3, -4}));
  EXPECT_EQ(d.stride, 1);
  EXPECT_EQ(d.step, 0.1);
}

TEST(TrajectoryCsv, TrajColumnMayBeLeftOutForOne) {
  TrajectoryData d = parseTrajectoryCsv("t,x[1],x[2]\n0,1,2\n0.1,3,4\n", "d.csv", grid2());
  ASSERT_EQ(d.trajectories.size(), 1u);
  EXPECT_EQ(d.trajectories[0].id, 1);
  EXPECT_EQ(d.trajectories[0].states, (std::vector<double>{1, 2, 3, 4}));
}

TEST(TrajectoryCsv, SampleIntervalMayBeAMultipleOfTheStep) {
  TrajectoryData d =
      parseTrajectoryCsv("t,x[1],x[2]\n0,1,2\n0.3,3,4\n0.6,5,6\n", "d.csv", grid2(0.1));
  EXPECT_EQ(d.stride, 3);
}

TEST(TrajectoryCsv, WrongColumns) {
  EXPECT_EQ(csvError("traj,t,x[2],x[1]\n1,0,1,2\n"),
            "d.csv:1:8: error: expected the columns 'traj,t,x[1],x[2]' (the model's state "
            "columns in order; 'traj' may be left out for one trajectory), got "
            "'traj,t,x[2],x[1]'\n    traj,t,x[2],x[1]\n           ^");
  EXPECT_EQ(csvError("t,x[1]\n0,1\n"),
            "d.csv:1:3: error: expected the columns 'traj,t,x[1],x[2]' (the model's state "
            "columns in order; 'traj' may be left out for one trajectory), got 't,x[1]'\n"
            "    t,x[1]\n      ^");
}

TEST(TrajectoryCsv, RaggedAndNonFiniteRowsComeFromTheCsvReader) {
  EXPECT_EQ(csvError("traj,t,x[1],x[2]\n1,0,1\n"),
            "d.csv:2:1: error: row has 3 fields, the header has 4\n    1,0,1\n    ^");
  EXPECT_EQ(csvError("traj,t,x[1],x[2]\n1,0,1,inf\n"),
            "d.csv:2:7: error: non-finite value 'inf'\n    1,0,1,inf\n          ^");
}

TEST(TrajectoryCsv, OnlyAHeader) {
  EXPECT_EQ(csvError("traj,t,x[1],x[2]\n"),
            "d.csv: error: no samples (the file has only a header)");
}

TEST(TrajectoryCsv, NonIntegerTrajectoryId) {
  EXPECT_EQ(csvError("traj,t,x[1],x[2]\n1.5,0,1,2\n"),
            "d.csv:2:1: error: trajectory id '1.5' is not an integer\n    1.5,0,1,2\n    ^");
}

TEST(TrajectoryCsv, TrajectoriesMustBeContiguous) {
  EXPECT_EQ(csvError("traj,t,x[1],x[2]\n1,0,1,2\n2,0,1,2\n1,0.1,1,2\n"),
            "d.csv:4:1: error: the rows of trajectory 1 (from line 2) must be contiguous, but "
            "trajectory 2 came in between\n    1,0.1,1,2\n    ^");
}

TEST(TrajectoryCsv, TimesMustIncrease) {
  EXPECT_EQ(csvError("traj,t,x[1],x[2]\n1,0.1,1,2\n1,0.1,1,2\n"),
            "d.csv:3:3: error: time 0.1 is not after the previous sample's 0.1 (times must "
            "increase strictly within trajectory 1)\n    1,0.1,1,2\n      ^");
}

TEST(TrajectoryCsv, IntervalMustBeAWholeNumberOfSteps) {
  EXPECT_EQ(csvError("t,x[1],x[2]\n0,1,2\n0.15,1,2\n"),
            "d.csv:3:1: error: the sample interval 0.15 is not a whole number of training "
            "steps of 0.1\n    0.15,1,2\n    ^");
  EXPECT_EQ(csvError("t,x[1],x[2]\n0,1,2\n0.05,1,2\n"),
            "d.csv:3:1: error: the sample interval 0.05 is not a whole number of training "
            "steps of 0.1\n    0.05,1,2\n    ^");
}

TEST(TrajectoryCsv, TimesMustLieOnTheGrid) {
  // 0.30000000001 is within 1e-9 of 0.3; 0.45 is not on the grid 0, 0.2, 0.4, 0.6.
  parseTrajectoryCsv("t,x[1],x[2]\n0,1,2\n0.1,1,2\n0.2,1,2\n0.30000000001,1,2\n", "d.csv", grid2());
  EXPECT_EQ(csvError("traj,t,x[1],x[2]\n4,0,1,2\n4,0.2,1,2\n4,0.45,1,2\n"),
            "d.csv:4:3: error: time 0.45 is off the uniform grid of trajectory 4 (expected "
            "0.4: one sample every 2 training steps of 0.1 from t = 0)\n    4,0.45,1,2\n      ^");
  // The stride is one for the whole file.
  EXPECT_EQ(csvError("traj,t,x[1],x[2]\n1,0,1,2\n1,0.1,1,2\n2,0,1,2\n2,0.2,1,2\n"),
            "d.csv:5:3: error: time 0.2 is off the uniform grid of trajectory 2 (expected 0.1: "
            "one sample every training step of 0.1 from t = 0)\n    2,0.2,1,2\n      ^");
}

TEST(TrajectoryCsv, TooFewSamplesForTheHorizon) {
  EXPECT_EQ(csvError("traj,t,x[1],x[2]\n1,0,1,2\n1,0.1,1,2\n1,0.2,1,2\n2,0,1,2\n2,0.1,1,2\n",
                     grid2(0.1, 3)),
            "d.csv:5:3: error: trajectory 2 has 2 samples; at least 3 are needed (a training "
            "window spans horizon + 1 samples)\n    2,0,1,2\n      ^");
}

TrajectoryGrid drivenGrid() {
  TrajectoryGrid g = grid2();
  g.outputColumns = {"y[1]"};
  g.inputColumns = {"u[1]"};
  g.irregular = true;
  g.allowMissing = true;
  return g;
}

// A model with outputs and inputs: their columns follow the state's; state and output values
// may be missing (empty, nan, NaN, NA), inputs may not; irregular times load with stride 0.
TEST(TrajectoryCsv, OutputsInputsMissingValuesAndIrregularTimes) {
  const TrajectoryData d = parseTrajectoryCsv(
      "traj,t,x[1],x[2],y[1],u[1]\n1,0,1,2,,0.5\n1,0.13,NaN,NA,3,0.25\n1,0.4,1,2,nan,-1\n",
      "d.csv", drivenGrid());
  EXPECT_EQ(d.stride, 0);
  ASSERT_EQ(d.trajectories.size(), 1u);
  const Trajectory &tr = d.trajectories[0];
  EXPECT_EQ(tr.times, (std::vector<double>{0, 0.13, 0.4}));
  EXPECT_TRUE(std::isnan(tr.states[2]) && std::isnan(tr.states[3]));
  EXPECT_EQ(tr.states[4], 1);
  ASSERT_EQ(tr.outputs.size(), 3u);
  EXPECT_TRUE(std::isnan(tr.outputs[0]) && std::isnan(tr.outputs[2]));
  EXPECT_EQ(tr.outputs[1], 3);
  EXPECT_EQ(tr.inputs, (std::vector<double>{0.5, 0.25, -1}));
  // On a grid the stride is found as before.
  EXPECT_EQ(parseTrajectoryCsv("t,x[1],x[2],y[1],u[1]\n0,1,2,3,4\n0.2,1,2,3,4\n", "d.csv",
                               drivenGrid())
                .stride,
            2);
  EXPECT_EQ(csvError("t,x[1],x[2],y[1],u[1]\n0,1,2,3,\n", drivenGrid()),
            "d.csv:2:9: error: expected a number, got ''\n    0,1,2,3,\n            ^");
  EXPECT_EQ(csvError("t,x[1],x[2]\n0,1,\n"),
            "d.csv:2:5: error: expected a number, got ''\n    0,1,\n        ^");
  EXPECT_EQ(csvError("traj,t,x[1],x[2],u[1]\n1,0,1,2,3\n", drivenGrid()),
            "d.csv:1:18: error: expected the columns 'traj,t,x[1],x[2],y[1],u[1]' (the model's "
            "state columns, then its output columns, then its input columns, in order; 'traj' "
            "may be left out for one trajectory), got 'traj,t,x[1],x[2],u[1]'\n"
            "    traj,t,x[1],x[2],u[1]\n                     ^");
  // Times must still increase.
  EXPECT_EQ(csvError("t,x[1],x[2],y[1],u[1]\n0,1,2,3,4\n0,1,2,3,4\n", drivenGrid()),
            "d.csv:3:1: error: time 0 is not after the previous sample's 0 (times must increase "
            "strictly within trajectory 1)\n    0,1,2,3,4\n    ^");
}

TEST(TrajectoryNpy, OutputsInputsAndMissingValuesRoundTrip) {
  TrajectoryData d;
  d.stateColumns = {"x[1]", "x[2]"};
  d.outputColumns = {"y[1]"};
  d.inputColumns = {"u[1]"};
  const double nan = std::nan("");
  d.trajectories = {{1, {0, 0.15, 0.5}, {1, 2, 3, nan, 5, 6}, {nan, 8, 9}, {0.1, 0.2, 0.3}}};
  const TrajectoryData back = parseTrajectoryNpy(trajectoriesToNpy(d), "d.npy", drivenGrid());
  ASSERT_EQ(back.trajectories.size(), 1u);
  EXPECT_EQ(back.stride, 0);
  EXPECT_EQ(back.trajectories[0].times, d.trajectories[0].times);
  EXPECT_TRUE(std::isnan(back.trajectories[0].states[3]));
  EXPECT_EQ(back.trajectories[0].states[4], 5);
  EXPECT_TRUE(std::isnan(back.trajectories[0].outputs[0]));
  EXPECT_EQ(back.trajectories[0].inputs, d.trajectories[0].inputs);
  // Inputs may not be missing.
  d.trajectories[0].inputs[1] = nan;
  EXPECT_EQ(npyError(trajectoriesToNpy(d), drivenGrid()),
            "d.npy: error: trajectory 1, sample 2: non-finite value in column 'u[1]'");
}

TEST(TrajectoryNpy, RoundTripThroughTheWriter) {
  TrajectoryData d;
  d.stateColumns = {"x[1]", "x[2]"};
  d.trajectories = {{1, {0, 0.2, 0.4}, {1, 2, 3, 4, 5, 6.25}},
                    {2, {1, 1.2, 1.4}, {-1, 1e-300, 0.1, 7, 8, 9}}};
  std::string bytes = trajectoriesToNpy(d);
  EXPECT_EQ(bytes.substr(0, 8), std::string("\x93NUMPY\x01\x00", 8));
  EXPECT_EQ((bytes.size() - 3 * 2 * 3 * 8) % 64, 0u); // data 64-byte aligned
  EXPECT_NE(bytes.find("'shape': (2, 3, 3)"), std::string::npos);
  TrajectoryData back = parseTrajectoryNpy(bytes, "d.npy", grid2());
  ASSERT_EQ(back.trajectories.size(), 2u);
  for (size_t k = 0; k < 2; ++k) {
    EXPECT_EQ(back.trajectories[k].id, d.trajectories[k].id);
    EXPECT_EQ(back.trajectories[k].times, d.trajectories[k].times);
    EXPECT_EQ(back.trajectories[k].states, d.trajectories[k].states);
  }
  EXPECT_EQ(back.stride, 2);
}

TEST(TrajectoryNpy, ReadsAHandWrittenTwoDimensionalArray) {
  // NumPy's own header spelling, (T, 1+D) for one trajectory.
  std::string bytes =
      npyBytes("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }", {0, 1, 2, 0.1, 3, 4});
  TrajectoryData d = parseTrajectoryNpy(bytes, "d.npy", grid2());
  ASSERT_EQ(d.trajectories.size(), 1u);
  EXPECT_EQ(d.trajectories[0].times, (std::vector<double>{0, 0.1}));
  EXPECT_EQ(d.trajectories[0].states, (std::vector<double>{1, 2, 3, 4}));
}

TEST(TrajectoryNpy, Errors) {
  EXPECT_EQ(npyError("hello"), "d.npy: error: not an NPY file (it does not start with "
                               "\"\\x93NUMPY\")");
  EXPECT_EQ(npyError(npyBytes("{'descr': '>f8', 'fortran_order': False, 'shape': (2, 3), }",
                              {0, 1, 2, 0.1, 3, 4})),
            "d.npy: error: unsupported dtype '>f8': expected little-endian float64 ('<f8')");
  EXPECT_EQ(npyError(npyBytes("{'descr': '<f8', 'fortran_order': True, 'shape': (2, 3), }",
                              {0, 1, 2, 0.1, 3, 4})),
            "d.npy: error: Fortran-order arrays are not supported: save the array in C order");
  EXPECT_EQ(npyError(npyBytes("{'descr': '<f8', 'fortran_order': False, 'shape': (6,), }",
                              {0, 1, 2, 0.1, 3, 4})),
            "d.npy: error: shape (6,) is not supported: expected (K, T, 1+D) or (T, 1+D)");
  EXPECT_EQ(npyError(npyBytes("{'descr': '<f8', 'fortran_order': False, 'shape': (3, 2), }",
                              {0, 1, 0.1, 3, 0.2, 4})),
            "d.npy: error: shape (3, 2): the last axis has 2 entries, expected 1 + 2 (t, "
            "x[1],x[2])");
  EXPECT_EQ(npyError(npyBytes("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }",
                              {0, 1, 2, 0.1, 3})),
            "d.npy: error: the data has 40 bytes; shape (2, 3) needs 48");
  // (2^40 − 1)² · 3 · 8 bytes does not fit in 64 bits: it once printed "needs 0".
  EXPECT_EQ(npyError(npyBytes("{'descr': '<f8', 'fortran_order': False, 'shape': "
                              "(1099511627775, 1099511627775, 3), }",
                              {0, 1, 2})),
            "d.npy: error: the data has 24 bytes; shape (1099511627775, 1099511627775, 3) needs "
            "about 2.901e+25");
  EXPECT_EQ(npyError(npyBytes("{'descr': '<f8', 'shape': (2, 3), }", {0, 1, 2, 0.1, 3, 4})),
            "d.npy: error: malformed NPY header: the header must give 'descr', 'fortran_order' "
            "and 'shape' in {'descr': '<f8', 'shape': (2, 3), }");
  EXPECT_EQ(npyError(npyBytes("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }",
                              {0, 1, 2, 0.1, NAN, 4})),
            "d.npy: error: trajectory 1, sample 2: non-finite value in column 'x[1]'");
  EXPECT_EQ(npyError(npyBytes("{'descr': '<f8', 'fortran_order': False, 'shape': (1, 2, 3), }",
                              {0, 1, 2, 0.25, 3, 4})),
            "d.npy: error: trajectory 1, sample 2: the sample interval 0.25 is not a whole "
            "number of training steps of 0.1");
}
