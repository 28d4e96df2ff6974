// bounds: every exercise of the lecture checked on the real loss code.
//
//   build/bounds [--seed S] [--trials T]
//   build/bounds --notes      the numbers notes/ quotes, "key value" per line
//
// For each exercise (notes/exercises.md) the configuration its proof uses is
// built, the loss is evaluated through the registry, and one table row says
// the bound, what the loss code gave and whether the bound holds. Prints a
// Markdown table; exit code 0 when every bound holds, 1 otherwise.
#include <iostream>

#include "demos/cli/args.hpp"
#include "demos/bounds/checks.hpp"
#include "demos/bounds/facts.hpp"

int main(int argc, char** argv) {
  return fg::run_main(argc, argv, [&] {
    fg::Args args(argc, argv, "bounds [--seed S] [--trials T] | bounds --notes");
    const bool notes = args.get_flag("--notes", "print the numbers notes/ quotes (key value) and exit");
    const int64_t seed = args.get_int64("--seed", 1, 0, 1000000000, "seed of the random configurations");
    const int trials = args.get_int("--trials", 200, 1, 1000000, "random configurations per check");
    args.finish();
    if (notes) {
      std::cout << fg::note_facts_text(fg::note_facts());
      return 0;
    }
    const std::vector<fg::BoundRow> rows = fg::all_bound_checks(uint64_t(seed), trials);
    std::cout << fg::bounds_table(rows);
    int failed = 0;
    for (const fg::BoundRow& r : rows) failed += r.holds ? 0 : 1;
    std::cout << "\n" << rows.size() - failed << " of " << rows.size() << " bounds hold";
    std::cout << " (seed " << seed << ", " << trials << " random configurations per check)\n";
    return failed ? 1 : 0;
  });
}
