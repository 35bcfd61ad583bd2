// io/AtomicFile: what is replaced and what is written in place, links planted at temporary
// names, stale temporaries, FIFOs read without hanging.
#include "../ErrorOf.h"
#include "io/AtomicFile.h"

#include <filesystem>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace odec;
using odec::test::errorOf;
namespace fs = std::filesystem;

namespace {

/// A fresh directory per test, removed afterwards.
class AtomicFileTest : public ::testing::Test {
protected:
  fs::path dir = fs::temp_directory_path() /
                 ("odec_atomic_" + std::to_string(::getpid()) + "_" +
                  ::testing::UnitTest::GetInstance()->current_test_info()->name());
  void SetUp() override {
    fs::remove_all(dir);
    fs::create_directories(dir);
  }
  void TearDown() override { fs::remove_all(dir); }
  std::string at(const std::string &name) const { return (dir / name).string(); }
  size_t entries() const { return size_t(std::distance(fs::directory_iterator(dir), {})); }
};

TEST_F(AtomicFileTest, WritesAndReplacesWithoutLeftovers) {
  const std::string path = at("out.txt");
  writeFileAtomic(path, "first");
  writeFileAtomic(path, "second");
  EXPECT_EQ(readFile(path), "second");
  EXPECT_EQ(entries(), 1u);
  EXPECT_EQ(errorOf([&] { readFile(at("missing")); }),
            "cannot open '" + at("missing") + "': No such file or directory");
  EXPECT_EQ(errorOf([&] { writeFileAtomic(at("no/such/dir"), "x"); }),
            "cannot write '" + at("no/such/dir") + "': No such file or directory");
  EXPECT_EQ(errorOf([&] { writeFileAtomic(dir.string(), "x"); }),
            "cannot write '" + dir.string() + "': it is a directory");
}

TEST_F(AtomicFileTest, KeepsTheReplacedFilesPermissions) {
  const std::string path = at("secret");
  writeFileAtomic(path, "a");
  ::chmod(path.c_str(), 0600);
  writeFileAtomic(path, "b");
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(readFile(path), "b");
}

TEST_F(AtomicFileTest, ASymlinkIsResolvedNotReplaced) {
  const std::string real = at("real.txt"), link = at("link.txt");
  writeFileAtomic(real, "old");
  fs::create_symlink("real.txt", link); // relative: taken from the link's directory
  writeFileAtomic(link, "new");
  EXPECT_TRUE(fs::is_symlink(link));
  EXPECT_EQ(readFile(real), "new");
  EXPECT_EQ(entries(), 2u);
  fs::create_symlink("loop", at("loop"));
  EXPECT_EQ(errorOf([&] { writeFileAtomic(at("loop"), "x"); }),
            "cannot write '" + at("loop") + "': Too many levels of symbolic links");
}

TEST_F(AtomicFileTest, DevicesAndFifosAreWrittenInPlace) {
  writeFileAtomic("/dev/null", "discarded");
  struct stat st {};
  // A link chain through /proc to a pipe or terminal, when the test's output is one: when it
  // was redirected to a file, that file would be replaced (by design), wiping the log.
  if (::fstat(STDOUT_FILENO, &st) == 0 && !S_ISREG(st.st_mode))
    writeFileAtomic("/dev/stdout", "");
  ASSERT_EQ(::stat("/dev/null", &st), 0);
  EXPECT_TRUE(S_ISCHR(st.st_mode));

  const std::string fifo = at("fifo");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  const pid_t reader = ::fork();
  if (reader == 0) { // the child reads the FIFO and exits 0 iff it got the text
    std::string got;
    try {
      got = readFile(fifo);
    } catch (...) {
    }
    ::_exit(got == "through the fifo" ? 0 : 1);
  }
  writeFileAtomic(fifo, "through the fifo");
  int status = 0;
  ::waitpid(reader, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  ASSERT_EQ(::lstat(fifo.c_str(), &st), 0);
  EXPECT_TRUE(S_ISFIFO(st.st_mode));
  EXPECT_EQ(entries(), 1u);
}

TEST_F(AtomicFileTest, DashIsStandardOutput) {
  ::testing::internal::CaptureStdout();
  writeFileAtomic("-", "to stdout\n");
  EXPECT_EQ(::testing::internal::GetCapturedStdout(), "to stdout\n");
  EXPECT_FALSE(fs::exists("-"));
}

TEST_F(AtomicFileTest, LinksPlantedAtOldTemporaryNamesAreNotFollowed) {
  // Earlier versions wrote `<path>.tmp.<pid>` with O_CREAT | O_TRUNC: a link planted there
  // redirected the write. Every name they could have used now points at the victim.
  const std::string victim = at("victim"), path = at("out.txt");
  writeFileAtomic(victim, "precious");
  ::chmod(victim.c_str(), 0600);
  fs::create_symlink(victim, path + ".tmp." + std::to_string(::getpid()));
  writeFileAtomic(path, "output");
  EXPECT_EQ(readFile(victim), "precious");
  EXPECT_EQ(readFile(path), "output");
}

TEST_F(AtomicFileTest, TemporariesOfADeadWriterAreRemoved) {
  const pid_t dead = ::fork();
  if (dead == 0)
    ::_exit(0);
  ::waitpid(dead, nullptr, 0); // its pid is now free (reuse within the test is unlikely)
  const std::string pid = std::to_string(dead);
  const std::string stale = at(".out.txt.odec-tmp." + pid + ".abc"), legacy = at("out.txt.tmp." + pid);
  const std::string live = at(".out.txt.odec-tmp.1.abc"); // pid 1 is alive
  const std::string other = at(".other.odec-tmp." + pid + ".abc");
  for (const std::string &p : {stale, legacy, live, other})
    writeFileAtomic(p, "left behind");
  writeFileAtomic(at("out.txt"), "x");
  EXPECT_FALSE(fs::exists(stale));
  EXPECT_FALSE(fs::exists(legacy));
  EXPECT_TRUE(fs::exists(live));
  EXPECT_TRUE(fs::exists(other)); // another target's temporaries are left to its writes
}

TEST_F(AtomicFileTest, ReadingRefusesDevicesAndDoesNotWaitForAFifo) {
  EXPECT_EQ(errorOf([] { readFile("/dev/zero"); }), "cannot read '/dev/zero': not a regular file");
  EXPECT_EQ(errorOf([&] { readFile(dir.string()); }),
            "cannot read '" + dir.string() + "': it is a directory");
  const std::string fifo = at("fifo.node");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  EXPECT_EQ(readFile(fifo, 1 << 20, /*waitForWriter=*/false), ""); // empty at once, no hang
}

TEST_F(AtomicFileTest, ScratchDirectoryIsPrivateAndRemoved) {
  std::string path;
  {
    ScratchDirectory scratch;
    path = scratch.path();
    struct stat st {};
    ASSERT_EQ(::stat(path.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0700u);
    writeFileAtomic(path + "/f", "x");
  }
  EXPECT_FALSE(fs::exists(path));
}

} // namespace
