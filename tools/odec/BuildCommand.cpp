// odec build: the model's emitted C++ compiled by in-process Clang into an object file or a
// shared library exporting the C functions of Model::objectCode (odec/odec.h).
#include "Options.h"

#include "io/AtomicFile.h"


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
    CppExportFlags cpp;
    std::string out;
  };
  auto o = std::make_shared<Opts>();
  auto *cmd = app.add_subcommand(
      "build", "Compile a model's C++ in process into an object file (.o) or shared library (.so)");
  o->model.add(*cmd);
  o->cpp.add(*cmd, "the arithmetic's type (the C ABI is double)");
  cmd->add_option("-o,--out", o->out, "output: NAME.o (object) or NAME.so (shared library)")
      ->required()
      ->check([](const std::string &path) {
        return endsWith(path, ".o") || endsWith(path, ".so")
                   ? std::string()
                   : "the output must end in .o (object file) or .so (shared library)";
      });
  cmd->callback([o, &status] {
    Model m = o->model.load();
    CppExportOptions options = o->cpp.options(m, o->model.file);
    options.cpu = o->model.target.cpu; // any CPU: the object is not run here
    if (endsWith(o->out, ".so"))
      m.buildSharedLibrary(o->out, o->cpp.tableau, options);
    else
      writeFileAtomic(o->out, m.objectCode(o->cpp.tableau, options));
    status = kOk;
  });
}

} // namespace odec::cli
