// The on-disk cache of compiled code: machine code of JIT-compiled modules, keyed by everything
// that determines it (the model's IR, the tableau, the compile options, the target CPU and its
// features, and this build of odec), so that running the same model again skips code
// generation. Entries are private files in a private directory; each stores its full key and a
// checksum, and is loaded only when both match and the object file parses: a corrupt, truncated
// or foreign entry is ignored (and replaced by the next store), never loaded blindly.
#pragma once

#include <optional>
#include <string>

namespace odec::jit {

/// The cache's directory: $ODEC_CACHE_DIR, else $XDG_CACHE_HOME/odec, else $HOME/.cache/odec;
/// empty when none of them is set.
std::string cacheDirectory();

/// The object file stored under `key` (the key's full text), or nothing: no cache directory, no
/// entry, or an entry that is unreadable, corrupt or stored under another key.
std::optional<std::string> loadCachedObject(const std::string &key);

/// Stores `object` under `key`: written to a fresh temporary file in the cache directory
/// (created 0700 when missing), then renamed over the entry, so readers never see a partial
/// one. Best effort: a cache that cannot be written (read-only, full, owned by another user,
/// writable by others) is skipped silently, since it only costs the next run a compile. Keeps
/// the directory under kMaxCacheBytes by removing the least recently written entries.
void storeCachedObject(const std::string &key, const std::string &object);

/// The size the cache directory is trimmed to, in bytes.
constexpr long long kMaxCacheBytes = 256LL << 20;

} // namespace odec::jit
