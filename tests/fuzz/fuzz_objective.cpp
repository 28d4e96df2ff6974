// libFuzzer target: the objective-string parser and the losses it builds,
// run forward and backward (feed.hpp).
#include "tests/fuzz/feed.hpp"
#include "tests/fuzz/fuzz_util.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 4096) return 0;  // an objective is a line, not a file
  fg_fuzz::expect_error_or_success([&] { fg_fuzz::feed_objective(data, size); });
  return 0;
}
