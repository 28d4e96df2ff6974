// A count with its noun, singular for one: "1 epoch", "2 epochs", "0 steps",
// so that a program's text never reads "1 epochs".
//
//   counted(epochs, "epoch")   counted(n, "loss", "losses")
#pragma once

#include <string>

namespace fg {

inline std::string counted(long long n, const std::string& noun, const std::string& plural = "") {
  return std::to_string(n) + " " + (n == 1 ? noun : plural.empty() ? noun + "s" : plural);
}

}  // namespace fg
