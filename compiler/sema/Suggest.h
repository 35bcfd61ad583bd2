// "Did you mean ...?" for misspelled names: the closest candidate by edit distance.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace odec::sema {

/// Levenshtein distance between two names, counted in Unicode code points (θ is one edit).
int editDistance(std::string_view a, std::string_view b);

/// The candidate closest to `name` if it is at most 2 edits away and shorter than a full
/// rewrite of `name` (so `x` never suggests `y`); ties go to the last candidate, which for
/// declarations in source order is the one nearest the misspelt use.
/// Returns "" when nothing is close.
std::string closestName(std::string_view name, const std::vector<std::string> &candidates);

/// `"; did you mean 'W2'?"` for the closest candidate, or "" when nothing is close.
std::string didYouMean(std::string_view name, const std::vector<std::string> &candidates);

} // namespace odec::sema
