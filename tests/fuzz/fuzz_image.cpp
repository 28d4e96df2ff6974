// libFuzzer target: one PNG, JPEG or BMP image through the guarded stb_image,
// decoded from memory and resized (feed.hpp).
#include "tests/fuzz/feed.hpp"
#include "tests/fuzz/fuzz_util.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fg_fuzz::expect_error_or_success([&] { fg_fuzz::feed_image(data, size); });
  return 0;
}
