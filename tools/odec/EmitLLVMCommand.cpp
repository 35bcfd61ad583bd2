// odec emit-llvm: print the optimized LLVM IR of the fused solver, for inspection.
#include "Options.h"

namespace odec::cli {

void addEmitLLVMCommand(CLI::App &app, int &status) {
  struct Opts {
    ModelOptions model;
    std::string tableau, out;
    bool adjoint = false;
  };
  auto o = std::make_shared<Opts>();
  auto *cmd = app.add_subcommand("emit-llvm", "Write the optimized LLVM IR of the fused solver");
  o->model.add(*cmd);
  cmd->add_option("--tableau", o->tableau, "Runge–Kutta tableau")->required();
  cmd->add_flag("--adjoint", o->adjoint, "the fused forward + discrete adjoint instead");
  cmd->add_option("-o,--out", o->out, "output file (default: stdout)");
  cmd->callback([o, &status] {
    writeOutput(o->out, o->model.load().llvmIR(o->tableau, o->adjoint, o->model.target.cpu));
    status = kOk;
  });
}

} // namespace odec::cli
