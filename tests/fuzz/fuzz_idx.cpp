// libFuzzer target: the IDX reader (plain and gzip) from memory (feed.hpp).
#include "tests/fuzz/feed.hpp"
#include "tests/fuzz/fuzz_util.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fg_fuzz::expect_error_or_success([&] { fg_fuzz::feed_idx(data, size); });
  return 0;
}
