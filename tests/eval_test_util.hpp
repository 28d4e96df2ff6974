// Scored pairs for the verification tests (tests/test_eval*.cpp): genuine
// scores first, then impostor scores.
#pragma once

#include <vector>

#include "core/eval/verification.hpp"

namespace fg_test {

inline std::vector<fg::ScoredPair> scored(const std::vector<double>& genuine,
                                          const std::vector<double>& impostor) {
  std::vector<fg::ScoredPair> out;
  for (double s : genuine) out.push_back({s, true});
  for (double s : impostor) out.push_back({s, false});
  return out;
}

}  // namespace fg_test
