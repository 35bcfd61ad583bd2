// compiler/cxx: in-process Clang into an object file (its ELF symbol table read here) or into
// the JIT, errors in generated code as internal errors quoting the line, and the resource
// directory check.
#include "cxx/InProcessClang.h"
#include "syntax/Diagnostics.h"

#include "ElfSymbols.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <malloc.h>

namespace {

const char *kSource = R"(#include <cmath>
extern "C" double odec_test_f(double x) { return std::tanh(x) + 1.0; }
)";

TEST(InProcessClang, ObjectFileIsElfWithTheExternCSymbol) {
  const std::string object = odec::cxx::compileToObject({"<test>", kSource});
  ASSERT_GT(object.size(), sizeof(Elf64_Ehdr));
  EXPECT_EQ(object.substr(0, 4), std::string(ELFMAG));
  EXPECT_EQ(object[EI_CLASS], ELFCLASS64);
  Elf64_Ehdr eh;
  std::memcpy(&eh, object.data(), sizeof eh);
  EXPECT_EQ(eh.e_type, ET_REL);
  EXPECT_EQ(definedGlobals(object), std::set<std::string>{"odec_test_f"});
}

// The driver's -disable-free once stayed on: each compile leaked its AST (about 1 MB for a
// small model). Heap in use after the 3rd and the 11th compile of the same source.
TEST(InProcessClang, CompilingAgainLeaksNothing) {
  const std::string source = std::string(kSource) + "#include <vector>\n#include <map>\n";
  size_t before = 0;
  for (int i = 0; i < 11; ++i) {
    if (i == 3)
      before = mallinfo2().uordblks;
    EXPECT_FALSE(odec::cxx::compileToObject({"<test>", source}).empty());
  }
  const double grown = double(mallinfo2().uordblks) - double(before);
  EXPECT_LT(grown, 1e6) << "bytes still allocated after 8 more compiles";
}

TEST(InProcessClang, JitRunsTheCodeAndResolvesLibm) {
  auto code = odec::cxx::compileAndLoad({"<test>", kSource});
  auto f = reinterpret_cast<double (*)(double)>(code->symbol("odec_test_f"));
  EXPECT_DOUBLE_EQ(f(0.5), std::tanh(0.5) + 1.0);
  EXPECT_THROW(code->symbol("odec_missing"), odec::InternalError);
}

TEST(InProcessClang, ErrorsInGeneratedCodeAreInternalErrorsQuotingTheLine) {
  const std::string broken =
      "// generated\nextern \"C\" int odec_g() {\n  return undeclared_x + 1;\n}\n";
  try {
    odec::cxx::compileToObject({"<emit-cpp:Broken>", broken});
    FAIL() << "broken C++ compiled";
  } catch (const odec::InternalError &e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("<emit-cpp:Broken>:3:10: error: use of undeclared identifier "
                        "'undeclared_x'"),
              std::string::npos)
        << what;
    EXPECT_NE(what.find("\n      return undeclared_x + 1;\n"), std::string::npos) << what;
  }
}

TEST(InProcessClang, MissingResourceDirectoryIsAClearError) {
  ::setenv("ODEC_CLANG_RESOURCE_DIR", "/nonexistent/clang", 1);
  try {
    odec::cxx::compileToObject({"<test>", kSource});
    ADD_FAILURE() << "compiled without builtin headers";
  } catch (const std::runtime_error &e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/clang/include"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("libclang-common-14-dev"), std::string::npos);
  }
  ::unsetenv("ODEC_CLANG_RESOURCE_DIR");
  EXPECT_NO_THROW(odec::cxx::clangResourceDir()); // the built-in default again
}

} // namespace
