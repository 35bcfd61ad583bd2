// teacher_student: the stability paper's teacher–student regression study (science.md §1),
// at a scale two cores run in minutes. See run.sh for the exact command and RESULTS.md for
// what it measured.
//
//   teacher_student [--setting driven|autonomous] [--teachers N] [--epochs E] [--seed S]
//                   [--threads T] [--models models.node] [--out DIR]
//
// Writes DIR/histogram.svg, DIR/table.md and DIR/runs.csv.
#include "Report.h"
#include "Study.h"

#include "io/AtomicFile.h"

#include <CLI/CLI.hpp>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <optional>

int main(int argc, char **argv) {
  std::string setting = "driven", models = ODEC_TEACHER_STUDENT_MODELS,
              out = "teacher_student_out";
  int teachers = 100, threads = 1;
  std::optional<int64_t> epochs;
  uint64_t seed = 1;
  CLI::App app{"Teacher–student study: prior vs stability-informed initialization"};
  app.add_option("--setting", setting,
                 "driven: the paper's (teachers ddt(x) = A x + B u with a PWM-like input, all "
                 "eight explicit built-in tableaux, NAdam, 30 s at 0.1 s); autonomous: teachers "
                 "without input, Euler/Midpoint/Kutta3/RK4, Adam, 3 s (driven)")
      ->check(CLI::IsMember({"driven", "autonomous"}));
  app.add_option("--teachers", teachers,
                 "number of teachers, half inside Euler's region, half outside RK4's (100; the "
                 "paper: 500)")
      ->check(CLI::Range(2, 100000));
  app.add_option("--epochs", epochs, "training epochs per student (30)")
      ->check(CLI::Range(int64_t(1), int64_t(100000)));
  app.add_option("--seed", seed, "seed of teachers, data and students (1)");
  app.add_option("--threads", threads,
                 "teachers studied at once (1); the results are the same for any number")
      ->check(CLI::Range(1, 1024));
  app.add_option("--models", models, "the .node file with the teacher and student models");
  app.add_option("--out", out, "output directory (teacher_student_out)");
  CLI11_PARSE(app, argc, argv);
  odec::study::StudyConfig config = odec::study::studyConfig(
      setting == "driven" ? odec::study::Setting::Driven : odec::study::Setting::Autonomous);
  config.teachers = teachers;
  config.seed = seed;
  config.threads = threads;
  if (epochs)
    config.epochs = *epochs;

  try {
    const auto start = std::chrono::steady_clock::now();
    const odec::Program program = odec::Program::fromFile(models);
    auto results = odec::study::runStudy(program, config, [](int done, int total) {
      std::cerr << "\rteachers " << done << "/" << total << std::flush;
    });
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::cerr << "\n";

    std::filesystem::create_directories(out);
    const std::string table = odec::study::markdownTable(results, config);
    odec::writeFileAtomic(out + "/histogram.svg", odec::study::histogramSvg(results, config));
    odec::writeFileAtomic(out + "/table.md", table);
    odec::writeFileAtomic(out + "/runs.csv", odec::study::resultsCsv(results));
    std::cout << table << "\n"
              << results.size() << " training runs in " << seconds << " s; wrote " << out
              << "/{histogram.svg,table.md,runs.csv}\n";
  } catch (const std::exception &e) {
    std::cerr << "teacher_student: error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
