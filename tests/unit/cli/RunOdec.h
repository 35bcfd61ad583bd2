// Runs the odec binary in a shell and captures stdout, stderr and the exit status.
#pragma once

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <sys/wait.h>
#include <unistd.h>

struct OdecResult {
  int status = -1;
  std::string out, err;
};

/// A fresh temporary directory, removed with the object.
struct TempDir {
  std::filesystem::path path;
  TempDir() {
    path = std::filesystem::temp_directory_path() /
           ("odec_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter()++));
    std::filesystem::create_directories(path);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  std::string file(const std::string &name, const std::string &contents = "") const {
    std::string p = (path / name).string();
    if (!contents.empty())
      std::ofstream(p) << contents;
    return p;
  }
  static int &counter() {
    static int n = 0;
    return n;
  }
};

inline std::string slurp(const std::string &path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// `args` is appended to the binary's path as shell words (quote what needs quoting); `env`,
/// shell assignments such as `ODEC_CPU=x86-64-v3`, precedes it.
inline OdecResult runOdec(const std::string &args, const std::string &env = "") {
  TempDir tmp;
  std::string out = tmp.file("stdout"), err = tmp.file("stderr");
  std::string cmd = env + " " + std::string(ODEC_BINARY) + " " + args + " >" + out + " 2>" + err;
  int rc = std::system(cmd.c_str());
  OdecResult r;
  r.status = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  r.out = slurp(out);
  r.err = slurp(err);
  return r;
}

inline std::string example(const std::string &name) {
  return std::string(ODEC_SOURCE_DIR) + "/examples/" + name;
}
