#include "codegen/CppNames.h"

#include <array>
#include <cstdint>
#include <cstdio>
#include <string_view>
#include <utility>

namespace odec::codegen {

namespace {

// Every keyword and alternative token of C++20, and names a header commonly defines as macros.
constexpr std::array<std::string_view, 100> kReserved = {
    "alignas",   "alignof",      "and",          "and_eq",      "asm",         "auto",
    "bitand",    "bitor",        "bool",         "break",       "case",        "catch",
    "char",      "char8_t",      "char16_t",     "char32_t",    "class",       "compl",
    "concept",   "const",        "consteval",    "constexpr",   "constinit",   "const_cast",
    "continue",  "co_await",     "co_return",    "co_yield",    "decltype",    "default",
    "delete",    "do",           "double",       "dynamic_cast", "else",       "enum",
    "explicit",  "export",       "extern",       "false",       "float",       "for",
    "friend",    "goto",         "if",           "inline",      "int",         "long",
    "mutable",   "namespace",    "new",          "noexcept",    "not",         "not_eq",
    "nullptr",   "operator",     "or",           "or_eq",       "private",     "protected",
    "public",    "register",     "reinterpret_cast", "requires", "return",     "short",
    "signed",    "sizeof",       "static",       "static_assert", "static_cast", "struct",
    "switch",    "template",     "this",         "thread_local", "throw",      "true",
    "try",       "typedef",      "typeid",       "typename",    "union",       "unsigned",
    "using",     "virtual",      "void",         "volatile",    "wchar_t",     "while",
    "xor",       "xor_eq",       "main",         "std",         "assert",      "errno",
    "NULL",      "EOF",          "INFINITY",     "NAN"};

// Greek letters by code point, lower case from U+03B1, upper case from U+0391 (U+03A2 unused).
constexpr std::array<std::string_view, 25> kGreek = {
    "alpha", "beta", "gamma",   "delta", "epsilon", "zeta", "eta",   "theta", "iota",
    "kappa", "lambda", "mu",    "nu",    "xi",      "omicron", "pi", "rho",   "sigmaf",
    "sigma", "tau",  "upsilon", "phi",   "chi",     "psi",  "omega"};

/// Decodes the UTF-8 sequence at s[i], advancing i; a malformed byte decodes as itself.
uint32_t decodeUtf8(const std::string &s, size_t &i) {
  const auto byte = [&](size_t k) { return k < s.size() ? uint8_t(s[k]) : uint8_t(0); };
  const uint8_t b0 = byte(i);
  const int extra = b0 >= 0xF0 ? 3 : b0 >= 0xE0 ? 2 : b0 >= 0xC0 ? 1 : 0;
  uint32_t cp = extra == 0 ? b0 : uint32_t(b0 & (0x3F >> extra));
  for (int k = 1; k <= extra; ++k) {
    if ((byte(i + size_t(k)) & 0xC0) != 0x80) { // truncated: take the lead byte alone
      ++i;
      return b0;
    }
    cp = (cp << 6) | (byte(i + size_t(k)) & 0x3F);
  }
  i += size_t(extra) + 1;
  return cp;
}

std::string spell(uint32_t cp) {
  if (cp >= 0x3B1 && cp <= 0x3C9)
    return std::string(kGreek[cp - 0x3B1]);
  if (cp >= 0x391 && cp <= 0x3A9 && cp != 0x3A2) {
    std::string g(kGreek[cp - 0x391]);
    g[0] = char(g[0] - 'a' + 'A');
    return g;
  }
  char buf[16];
  std::snprintf(buf, sizeof buf, "u%04x", unsigned(cp));
  return buf;
}

} // namespace

std::string cppIdentifier(const std::string &name) {
  std::string out;
  bool spelled = false; // the last thing appended was a spelled-out code point
  for (size_t i = 0; i < name.size();) {
    const uint32_t cp = decodeUtf8(name, i);
    const bool word = (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') ||
                      (cp >= '0' && cp <= '9') || cp == '_';
    // A spelled-out code point is set off by `_` so `aθ` and `Δx` stay readable (`a_theta`,
    // `Delta_x`).
    if (!out.empty() && out.back() != '_' && (spelled || !word) && cp != '_')
      out += '_';
    out += word ? std::string(1, char(cp)) : spell(cp);
    spelled = !word;
  }
  if (out.empty() || (out[0] >= '0' && out[0] <= '9') || out[0] == '_')
    out.insert(0, out.empty() || out[0] == '_' ? "v" : "v_");
  for (size_t p; (p = out.find("__")) != std::string::npos;)
    out.erase(p, 1);
  for (std::string_view k : kReserved)
    if (out == k)
      return out + "_";
  return out;
}

std::string CppNameScope::claim(const std::string &name) {
  const std::string base = cppIdentifier(name);
  std::string candidate = base;
  // Suffixes resume where the last claim of this base stopped: starting from _2 each time
  // made n temporaries (`t`, `t_2`, ...) cost O(n²) (minutes for a 2000-binding model).
  int &n = nextSuffix_.try_emplace(base, 2).first->second;
  while (!taken_.insert(candidate).second)
    candidate = base + "_" + std::to_string(n++);
  return candidate;
}

} // namespace odec::codegen
