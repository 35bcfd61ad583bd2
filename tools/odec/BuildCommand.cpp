// odec build: the model's emitted C++ compiled by in-process Clang into an object file or a
// shared library exporting the C functions of Model::objectCode (odec/odec.h).
#include "Options.h"

#include <fstream>

namespace odec::cli {

namespace {

bool endsWith(const std::string &s, const std::string &suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

} // namespace

void addBuildCommand(CLI::App &app, int &status) {
  struct Opts {
    ModelOptions model;
    std::string tableau, params, precision = "double", out;
  };
  auto o = std::make_shared<Opts>();
  auto *cmd = app.add_subcommand(
      "build", "Compile a model's C++ in process into an object file (.o) or shared library (.so)");
  o->model.add(*cmd);
  cmd->add_option("--tableau", o->tableau, "Runge–Kutta tableau (explicit)")->required();
  cmd->add_option("--params", o->params, "parameter JSON baked in as the defaults");
  cmd->add_option("--float", o->precision, "the arithmetic's type (the C ABI is double)")
      ->check(CLI::IsMember({"double", "float"}));
  cmd->add_option("-o,--out", o->out, "output: NAME.o (object) or NAME.so (shared library)")
      ->required()
      ->check([](const std::string &path) {
        return endsWith(path, ".o") || endsWith(path, ".so")
                   ? std::string()
                   : "the output must end in .o (object file) or .so (shared library)";
      });
  cmd->callback([o, &status] {
    Model m = o->model.load();
    CppExportOptions options;
    if (!o->params.empty())
      options.params = m.loadParams(o->params);
    options.singlePrecision = o->precision == "float";
    options.sourceFile = o->model.file;
    if (endsWith(o->out, ".so")) {
      m.buildSharedLibrary(o->out, o->tableau, options);
    } else {
      const std::string object = m.objectCode(o->tableau, options);
      std::ofstream out(o->out, std::ios::binary);
      out.write(object.data(), std::streamsize(object.size()));
      if (!out.flush())
        throw UserError("cannot write " + o->out);
    }
    status = kOk;
  });
}

} // namespace odec::cli
