// The numbers notes/ quotes about facegrad's own behaviour, computed from the
// code: every loss's defaults and allowed ranges (from its registry entry),
// the slope caps and jumps of the angular targets, the lambda schedule, and
// the worked examples of notes/solutions.md evaluated on the real losses.
// `build/bounds --notes` prints them one per line, "key value", and
// tests/test_notes.cpp compares each `<!-- fact key -->` mark of a page with
// the value printed here.
#pragma once

#include <string>
#include <vector>

namespace fg {

struct NoteFact {
  std::string key;    // "default.arcface.s", "arcface.slope_cap", ...
  std::string value;  // as the pages write it: "64", "1.1e3", "[1, 10]"
};

std::vector<NoteFact> note_facts();

// "key value\n" per fact.
std::string note_facts_text(const std::vector<NoteFact>& facts);

// v with `digits` significant digits in the pages' short scientific form:
// 1100 -> "1.1e3", 0.00045 -> "4.5e-4".
std::string short_sci(double v, int digits);

}  // namespace fg
