// odec emit-cpp: write the model, its fused solver and its discrete adjoint as one
// self-contained C++17 header, for programs that should not depend on odec or LLVM.
#include "Options.h"

namespace odec::cli {

void addEmitCppCommand(CLI::App &app, int &status) {
  struct Opts {
    ModelOptions model;
    CppExportFlags cpp;
    std::string out;
    bool withMain = false;
  };
  auto o = std::make_shared<Opts>();
  auto *cmd = app.add_subcommand("emit-cpp", "Write a self-contained C++17 header for a model");
  o->model.add(*cmd, /*compiles=*/false);
  o->cpp.add(*cmd, "the header's Real type");
  cmd->add_option("-o,--out", o->out, "output file (default: stdout)");
  cmd->add_flag("--main", o->withMain, "add main(): --step H --steps N --x0 a,b,... prints CSV");
  cmd->callback([o, &status] {
    Model m = o->model.load();
    CppExportOptions options = o->cpp.options(m, o->model.file);
    options.withMain = o->withMain;
    writeOutput(o->out, m.cppHeader(o->cpp.tableau, options));
    status = kOk;
  });
}

} // namespace odec::cli
