// odec emit-cpp: write the model, its fused solver and its discrete adjoint as one
// self-contained C++17 header, for programs that should not depend on odec or LLVM.
#include "Options.h"

namespace odec::cli {

void addEmitCppCommand(CLI::App &app, int &status) {
  struct Opts {
    ModelOptions model;
    std::string tableau, params, precision = "double", out;
    bool withMain = false;
  };
  auto o = std::make_shared<Opts>();
  auto *cmd = app.add_subcommand("emit-cpp", "Write a self-contained C++17 header for a model");
  o->model.add(*cmd);
  cmd->add_option("--tableau", o->tableau, "Runge–Kutta tableau (explicit)")->required();
  cmd->add_option("--params", o->params, "parameter JSON baked into the header as defaults");
  cmd->add_option("--float", o->precision, "the header's Real type")
      ->check(CLI::IsMember({"double", "float"}));
  cmd->add_option("-o,--out", o->out, "output file (default: stdout)");
  cmd->add_flag("--main", o->withMain, "add main(): --step H --steps N --x0 a,b,... prints CSV");
  cmd->callback([o, &status] {
    Model m = o->model.load();
    CppExportOptions options;
    if (!o->params.empty())
      options.params = m.loadParams(o->params);
    options.singlePrecision = o->precision == "float";
    options.withMain = o->withMain;
    options.sourceFile = o->model.file;
    writeOutput(o->out, m.cppHeader(o->tableau, options));
    status = kOk;
  });
}

} // namespace odec::cli
