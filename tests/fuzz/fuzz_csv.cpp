// libFuzzer target: the CSV reader of losscalc, through a scratch file since
// read_csv takes a path (feed.hpp).
#include "tests/fuzz/feed.hpp"
#include "tests/fuzz/fuzz_util.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string& path = fg_fuzz::write_scratch("csv", data, size);
  fg_fuzz::expect_error_or_success([&] { fg_fuzz::feed_csv(path); });
  return 0;
}
