// Exact-diagnostic tests compare the whole message of the exception a call throws.
#pragma once

#include <exception>
#include <functional>
#include <string>

namespace odec::test {

/// what() of the exception f throws, or "(no error)" when it returns.
inline std::string errorOf(const std::function<void()> &f) {
  try {
    f();
  } catch (const std::exception &e) {
    return e.what();
  }
  return "(no error)";
}

} // namespace odec::test
