#include "jit/ObjectCache.h"

#include <llvm/ADT/StringExtras.h>
#include <llvm/Support/SHA1.h>
#include <llvm/Support/xxhash.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <vector>

#include <dirent.h>
#include <dlfcn.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace odec::jit {

namespace {

constexpr char kMagic[8] = {'O', 'D', 'E', 'C', 'O', 'B', 'J', '1'};
constexpr size_t kHeaderBytes = sizeof kMagic + 3 * sizeof(uint64_t);
const char *const kEntrySuffix = ".odecobj";
const char *const kTempPrefix = ".tmp-";

/// This build of odec: the file holding this code, with its size and modification time, so that
/// a rebuilt odec never loads code its predecessor generated (the version number alone does not
/// change between builds). Empty when it cannot be told, which disables the cache.
const std::string &buildIdentity() {
  static const std::string id = [] {
    Dl_info info{};
    struct stat st {};
    if (!dladdr(reinterpret_cast<void *>(&cacheDirectory), &info) || !info.dli_fname ||
        stat(info.dli_fname, &st) != 0)
      return std::string();
    return std::string(info.dli_fname) + " " + std::to_string(st.st_size) + " " +
           std::to_string(st.st_mtim.tv_sec) + "." + std::to_string(st.st_mtim.tv_nsec);
  }();
  return id;
}

std::string fullKey(const std::string &key) { return buildIdentity() + "\n" + key; }

std::string entryPath(const std::string &dir, const std::string &key) {
  return dir + "/" + llvm::toHex(llvm::SHA1::hash(llvm::arrayRefFromStringRef(key)), true) +
         kEntrySuffix;
}

/// Only a directory of our own that nobody else may write holds code this process will run.
bool privateDirectory(const std::string &dir) {
  struct stat st {};
  return lstat(dir.c_str(), &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == geteuid() &&
         (st.st_mode & (S_IWGRP | S_IWOTH)) == 0;
}

/// The cache directory, created (0700, parents as needed) when missing; empty when unusable.
std::string usableDirectory(bool create) {
  const std::string dir = cacheDirectory();
  if (dir.empty() || buildIdentity().empty())
    return {};
  if (create && !privateDirectory(dir)) {
    std::error_code ec;
    std::filesystem::create_directories(std::filesystem::path(dir).parent_path(), ec);
    mkdir(dir.c_str(), 0700);
  }
  return privateDirectory(dir) ? dir : std::string();
}

uint64_t checksum(const std::string &key, const std::string &object) {
  return llvm::xxHash64(key) ^ (llvm::xxHash64(object) * 0x9E3779B97F4A7C15ULL);
}

void putU64(std::string &out, uint64_t v) { out.append(reinterpret_cast<const char *>(&v), 8); }

uint64_t getU64(const std::string &in, size_t at) {
  uint64_t v;
  std::memcpy(&v, in.data() + at, 8);
  return v;
}

/// Removes the oldest entries while the directory holds more than kMaxCacheBytes, down to three
/// quarters of it, and temporaries that a killed writer left over an hour ago.
void trim(const std::string &dir) {
  struct Entry {
    std::string path;
    long long bytes;
    time_t mtime;
  };
  std::vector<Entry> entries;
  long long total = 0;
  DIR *d = opendir(dir.c_str());
  if (!d)
    return;
  const time_t now = time(nullptr);
  while (dirent *e = readdir(d)) {
    const std::string name = e->d_name, path = dir + "/" + name;
    struct stat st {};
    if (lstat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode))
      continue;
    if (name.rfind(kTempPrefix, 0) == 0) {
      if (now - st.st_mtime > 3600)
        unlink(path.c_str());
    } else if (name.size() > strlen(kEntrySuffix) &&
               name.compare(name.size() - strlen(kEntrySuffix), std::string::npos,
                            kEntrySuffix) == 0) {
      entries.push_back({path, (long long)st.st_size, st.st_mtime});
      total += st.st_size;
    }
  }
  closedir(d);
  if (total <= kMaxCacheBytes)
    return;
  std::sort(entries.begin(), entries.end(),
            [](const Entry &a, const Entry &b) { return a.mtime < b.mtime; });
  for (const Entry &e : entries) {
    if (total <= kMaxCacheBytes / 4 * 3)
      break;
    if (unlink(e.path.c_str()) == 0)
      total -= e.bytes;
  }
}

} // namespace

std::string cacheDirectory() {
  if (const char *dir = std::getenv("ODEC_CACHE_DIR"); dir && *dir)
    return dir;
  if (const char *xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg)
    return std::string(xdg) + "/odec";
  if (const char *home = std::getenv("HOME"); home && *home)
    return std::string(home) + "/.cache/odec";
  return {};
}

std::optional<std::string> loadCachedObject(const std::string &key) {
  const std::string dir = usableDirectory(false);
  if (dir.empty())
    return std::nullopt;
  const std::string full = fullKey(key);
  const int fd = open(entryPath(dir, full).c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return std::nullopt;
  std::string data;
  struct stat st {};
  if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_uid == geteuid() &&
      st.st_size >= off_t(kHeaderBytes) && st.st_size < (off_t(1) << 31)) {
    data.resize(size_t(st.st_size));
    size_t got = 0;
    while (got < data.size()) {
      const ssize_t n = read(fd, data.data() + got, data.size() - got);
      if (n <= 0)
        break;
      got += size_t(n);
    }
    data.resize(got);
  }
  close(fd);
  if (data.size() < kHeaderBytes || std::memcmp(data.data(), kMagic, sizeof kMagic) != 0)
    return std::nullopt;
  const uint64_t keyBytes = getU64(data, 8), objectBytes = getU64(data, 16),
                 sum = getU64(data, 24);
  if (keyBytes != full.size() || data.size() - kHeaderBytes - keyBytes != objectBytes ||
      data.compare(kHeaderBytes, keyBytes, full) != 0)
    return std::nullopt;
  std::string object = data.substr(kHeaderBytes + keyBytes);
  if (checksum(full, object) != sum)
    return std::nullopt;
  return object;
}

void storeCachedObject(const std::string &key, const std::string &object) {
  const std::string dir = usableDirectory(true);
  if (dir.empty())
    return;
  const std::string full = fullKey(key);
  std::string data(kMagic, sizeof kMagic);
  putU64(data, full.size());
  putU64(data, object.size());
  putU64(data, checksum(full, object));
  data += full;
  data += object;

  std::string temp = dir + "/" + kTempPrefix + "XXXXXX";
  const int fd = mkstemp(temp.data()); // O_EXCL, mode 0600, an unguessable name
  if (fd < 0)
    return;
  size_t put = 0;
  while (put < data.size()) {
    const ssize_t n = write(fd, data.data() + put, data.size() - put);
    if (n <= 0)
      break;
    put += size_t(n);
  }
  // No fsync: an entry that a crash leaves half-written fails its checksum and is rebuilt.
  const bool ok = put == data.size();
  close(fd);
  if (!ok || rename(temp.c_str(), entryPath(dir, full).c_str()) != 0) {
    unlink(temp.c_str());
    return;
  }
  trim(dir);
}

} // namespace odec::jit
