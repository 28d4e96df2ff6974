#include "demos/gallery/controls.hpp"

#include <algorithm>
#include <utility>
#include <vector>

namespace fg {

namespace {

struct NoMargin {
  const char* loss;
  std::vector<std::pair<std::string, std::string>> set;  // key, value meaning "no margin"
};

// The margin parameters of each margin loss (build/feature2d --list-losses).
const NoMargin kNoMargin[] = {
    {"lsoftmax", {{"m", "1"}}},  {"asoftmax", {{"m", "1"}}}, {"amsoftmax", {{"m", "0"}}},
    {"cosface", {{"m", "0"}}},   {"arcface", {{"m", "0"}}},
    {"combined", {{"m1", "1"}, {"m2", "0"}, {"m3", "0"}}},
};

}  // namespace

std::string without_margin(const std::string& objective) {
  if (objective.find_first_of("+*") != std::string::npos) return "";  // a sum of terms
  const size_t colon = objective.find(':');
  const std::string loss = objective.substr(0, colon);
  const NoMargin* hit = nullptr;
  for (const NoMargin& n : kNoMargin)
    if (loss == n.loss) hit = &n;
  if (!hit) return "";  // not a margin loss
  // The key=value items after the colon, in their order; a margin key is
  // given its "no margin" value where it stands, or added at the end.
  std::vector<std::string> items;
  if (colon != std::string::npos)
    for (size_t at = colon + 1; at <= objective.size();) {
      const size_t end = std::min(objective.find(',', at), objective.size());
      if (end > at) items.push_back(objective.substr(at, end - at));
      at = end + 1;
    }
  for (const auto& [key, value] : hit->set) {
    bool found = false;
    for (std::string& item : items)
      if (item.substr(0, item.find('=')) == key) item = key + "=" + value, found = true;
    if (!found) items.push_back(key + "=" + value);
  }
  std::string out = loss;
  for (size_t i = 0; i < items.size(); ++i) out += (i ? "," : ":") + items[i];
  return out;
}

}  // namespace fg
