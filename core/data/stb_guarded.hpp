// stb_image behind guards. Debian's stb_image 2.27 misreads some corrupt
// files in ways a data loader must not: a JPEG whose Huffman table counts
// more than 256 codes overruns stb's arrays, a JPEG scan cut short by a
// marker makes its bit reader shift by 32 or more (undefined behaviour), a
// PNG whose first IDAT chunk is empty makes it copy into a null buffer, a
// corrupt length can make it allocate gigabytes, and a JPEG using a Huffman
// table it never defined decodes from uninitialised memory. This file pair
// is the one place stb_image is compiled and the one place those guards
// live (core/data/stb_guarded.cpp says how each works); the image folder
// (core/data/image_folder.cpp) calls only the functions below.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace fg {
namespace stb {

// Why stb would misread these bytes (a bad JPEG Huffman table, an empty
// first PNG IDAT chunk), or "" when it can be given them.
std::string bad_bytes(const uint8_t* bytes, size_t n);

// The image's width, height and channels from its header, every allocation
// stb makes capped at `limit` bytes; false when stb cannot read it.
bool info(const uint8_t* bytes, int len, int* w, int* h, int* comp, size_t limit);

// What a load reports besides its pixels.
struct Outcome {
  bool refused = false;       // an allocation above the limit was refused
  bool jpeg_overrun = false;  // the JPEG scan ran out of bits (the pixels are not to be used)
};

// The pixels (h rows of w pixels of `want` 8-bit channels, freed with
// free_pixels) or null, with every allocation capped at `limit` bytes.
uint8_t* load(const uint8_t* bytes, int len, int* w, int* h, int* comp, int want, size_t limit,
              Outcome* out);
void free_pixels(uint8_t* pixels);

// stb's reason for the last failure on this thread.
const char* failure_reason();

}  // namespace stb
}  // namespace fg
