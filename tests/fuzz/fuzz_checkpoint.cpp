// libFuzzer target: the checkpoint loader, through a scratch file since
// load_checkpoint takes a path (feed.hpp).
//
// A checkpoint ends with a CRC-32 of everything before it, which random
// mutations almost never keep right, so the parser behind the checksum
// would hardly be reached. Each input is therefore loaded as it is and, when
// its checksum is wrong, once more with the checksum recomputed.
#include <zlib.h>

#include <cstring>

#include "tests/fuzz/feed.hpp"
#include "tests/fuzz/fuzz_util.hpp"

namespace {

void load(const uint8_t* data, size_t size) {
  const std::string& path = fg_fuzz::write_scratch("ckpt", data, size);
  fg_fuzz::expect_error_or_success([&] { fg_fuzz::feed_checkpoint(path); });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  load(data, size);
  if (size < 4) return 0;
  const size_t end = size - 4;
  const uint32_t crc = static_cast<uint32_t>(crc32(0, data, static_cast<uInt>(end)));
  uint32_t stored;
  std::memcpy(&stored, data + end, 4);
  if (crc == stored) return 0;
  std::vector<uint8_t> fixed(data, data + size);
  std::memcpy(fixed.data() + end, &crc, 4);  // little-endian, as the format stores it
  load(fixed.data(), fixed.size());
  return 0;
}
