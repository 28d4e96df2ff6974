// stb_image, compiled once, behind the guards that Debian's stb 2.27 needs
// to read untrusted files safely (core/data/stb_guarded.hpp). Nothing else
// includes <stb/stb_image.h>.
#include "core/data/stb_guarded.hpp"

#include <cstdlib>
#include <cstring>

// stb_image allocates through these: each allocation is refused above a
// per-image limit set by decode_image from the image's size, so a corrupt
// chunk length or a compressed bomb fails cleanly instead of taking gigabytes.
// New blocks are zeroed: stb 2.27 decodes a JPEG scan with a Huffman table the
// file never defined from whatever its (malloc'd) decoder state held, so the
// same file gave different pixels from run to run; zeroed, it is repeatable.
namespace {
thread_local size_t stb_alloc_limit = size_t(-1);
thread_local bool stb_refused = false;
void* stb_malloc(size_t n) {
  if (n > stb_alloc_limit) return stb_refused = true, nullptr;
  return std::calloc(1, n);
}
void* stb_realloc(void* p, size_t n) {
  if (n > stb_alloc_limit) return stb_refused = true, nullptr;
  return std::realloc(p, n);
}
}  // namespace
#define STBI_MALLOC(n) stb_malloc(n)
#define STBI_REALLOC(p, n) stb_realloc(p, n)
#define STBI_FREE(p) std::free(p)

// stb 2.27's JPEG bit reader takes bits a scan does not hold when a marker
// cuts the compressed data short: its bit count goes negative, and the next
// refill shifts by 32 or more (undefined behaviour). Every refill goes
// through stb_jpeg_refill below instead, which notes the overrun, restarts
// the count at 0 (stb goes on with zero bits, harmlessly), then calls stb's
// own refill; decode_image refuses the image afterwards. The header is not
// edited: its refill's definition, stbi__grow_buffer_unsafe(stbi__jpeg *j),
// is renamed stb_jpeg_refill_unchecked by the macros below, and its calls,
// stbi__grow_buffer_unsafe(j) and (z), become stb_jpeg_refill(j) and (z).
namespace {
thread_local bool stb_jpeg_overrun = false;
template <class Jpeg>
void stb_jpeg_refill(Jpeg* j);
}  // namespace
#define stbi__grow_buffer_unsafe(arg) STB_JPEG_REFILL_##arg)
#define STB_JPEG_REFILL_stbi__jpeg stb_jpeg_refill_unchecked(stbi__jpeg
#define STB_JPEG_REFILL_j stb_jpeg_refill(j
#define STB_JPEG_REFILL_z stb_jpeg_refill(z

// The one place stb_image is compiled. Only the formats the image folder
// promises are decoded, and oversized images are refused by stb itself.
#define STB_IMAGE_IMPLEMENTATION
#define STBI_ONLY_PNG
#define STBI_ONLY_JPEG
#define STBI_ONLY_BMP
#define STBI_MAX_DIMENSIONS (1 << 15)
#define STBI_FAILURE_USERMSG
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wall"
#pragma GCC diagnostic ignored "-Wextra"
#pragma GCC diagnostic ignored "-Wmisleading-indentation"
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wimplicit-fallthrough"
#pragma GCC diagnostic ignored "-Wsign-compare"
#include <stb/stb_image.h>
#pragma GCC diagnostic pop
#undef stbi__grow_buffer_unsafe
#undef STB_JPEG_REFILL_stbi__jpeg
#undef STB_JPEG_REFILL_j
#undef STB_JPEG_REFILL_z

namespace {
template <class Jpeg>
void stb_jpeg_refill(Jpeg* j) {
  if (j->code_bits < 0) {
    stb_jpeg_overrun = true;
    j->code_bits = 0;
    j->code_buffer = 0;
  }
  stb_jpeg_refill_unchecked(j);
}
}  // namespace

namespace fg {
namespace stb {

namespace {

// stb_image 2.27 (Debian's) trusts the code counts of a JPEG Huffman table
// and overruns its 256-entry arrays when they add up to more. Every table
// stb could read starts after the bytes FF C4, so each such place is read
// the way stb reads a DHT segment, and a table of more than 256 codes makes
// the file unreadable before stb sees it. Returns "" when no table is bad.
std::string bad_jpeg_huffman_table(const uint8_t* b, size_t n) {
  // stb takes a file for JPEG when its first marker, after any FF fill bytes, is SOI (D8).
  size_t soi = 0;
  while (soi < n && b[soi] == 0xFF) ++soi;
  if (soi == 0 || soi >= n || b[soi] != 0xD8) return "";
  auto at = [&](size_t i) -> int { return i < n ? b[i] : 0; };  // stb reads 0 past the end
  for (size_t m = 0; m + 1 < n; ++m) {
    if (b[m] != 0xFF || b[m + 1] != 0xC4) continue;
    size_t pos = m + 2;
    long left = (at(pos) << 8 | at(pos + 1)) - 2;
    pos += 2;
    while (left > 0 && pos < n) {
      long codes = 0;
      for (int i = 0; i < 16; ++i) codes += at(pos + 1 + i);
      if (codes > 256)
        return "corrupt JPEG: Huffman table at byte " + std::to_string(pos) + " has " +
               std::to_string(codes) + " codes, at most 256 allowed";
      pos += 17 + codes;
      left -= 17 + codes;
    }
  }
  return "";
}

// stb_image 2.27 copies into a null buffer when the first IDAT chunk of a
// PNG is empty (harmless in practice, undefined behaviour all the same).
// Walks the chunks as stb does and refuses that case.
std::string bad_png_chunks(const uint8_t* b, size_t n) {
  static const uint8_t sig[8] = {0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A};
  if (n < 8 || std::memcmp(b, sig, 8) != 0) return "";
  for (size_t pos = 8; pos + 8 <= n;) {
    const uint32_t len = uint32_t(b[pos]) << 24 | uint32_t(b[pos + 1]) << 16 |
                         uint32_t(b[pos + 2]) << 8 | b[pos + 3];
    if (std::memcmp(b + pos + 4, "IDAT", 4) == 0) {
      if (len == 0) return "corrupt PNG: empty IDAT chunk at byte " + std::to_string(pos);
      return "";  // data has started; later chunks append to it
    }
    if (std::memcmp(b + pos + 4, "IEND", 4) == 0) return "";
    pos += 12 + size_t(len);
  }
  return "";
}

}  // namespace

std::string bad_bytes(const uint8_t* bytes, size_t n) {
  const std::string bad = bad_jpeg_huffman_table(bytes, n);
  return bad.empty() ? bad_png_chunks(bytes, n) : bad;
}

bool info(const uint8_t* bytes, int len, int* w, int* h, int* comp, size_t limit) {
  stb_refused = false;
  stb_alloc_limit = limit;
  const int known = stbi_info_from_memory(bytes, len, w, h, comp);
  stb_alloc_limit = size_t(-1);
  return known != 0;
}

uint8_t* load(const uint8_t* bytes, int len, int* w, int* h, int* comp, int want, size_t limit,
              Outcome* out) {
  stb_refused = false;
  stb_jpeg_overrun = false;
  stb_alloc_limit = limit;
  uint8_t* pix = stbi_load_from_memory(bytes, len, w, h, comp, want);
  stb_alloc_limit = size_t(-1);
  out->refused = stb_refused;
  out->jpeg_overrun = stb_jpeg_overrun;
  return pix;
}

void free_pixels(uint8_t* pixels) { stbi_image_free(pixels); }

const char* failure_reason() { return stbi_failure_reason(); }

}  // namespace stb
}  // namespace fg
