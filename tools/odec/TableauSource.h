// Where the tableau commands (tableau, stability) get their tableaux: the prelude, or a
// .node file (whose own tableaux come with the prelude's), checked by the driver.
#pragma once

#include "tableau/ButcherTableau.h"

#include <string>
#include <vector>

namespace odec::cli {

/// The named tableaux of `file` (empty: the prelude alone). Prints the file's diagnostics
/// (warnings included) to stderr; throws UserError when it has errors or a name is unknown.
std::vector<ButcherTableau> loadTableaux(const std::string &file,
                                         const std::vector<std::string> &names);

} // namespace odec::cli
