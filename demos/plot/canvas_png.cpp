// Canvas -> PNG: 24-bit RGB, or indexed colour with a palette chosen for
// the picture (see Canvas::encode_png). Both go through stb_image_write,
// which deflates with zlib here; an indexed picture is written as an 8-bit
// grey image of palette indices whose header then says "palette" and is
// followed by the PLTE chunk (the pixel data of the two kinds is the same).
#include <zlib.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <unordered_map>

#include "core/data/file_util.hpp"
#include "core/tensor.hpp"
#include "demos/plot/canvas.hpp"

static unsigned char* fg_png_deflate(unsigned char* data, int len, int* out_len, int quality);
#define STBIW_ZLIB_COMPRESS fg_png_deflate
#define STB_IMAGE_WRITE_IMPLEMENTATION
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#pragma GCC diagnostic ignored "-Wunused-function"
#include <stb/stb_image_write.h>
#pragma GCC diagnostic pop

static unsigned char* fg_png_deflate(unsigned char* data, int len, int* out_len, int quality) {
  uLongf cap = compressBound(uLong(len));
  auto* out = static_cast<unsigned char*>(std::malloc(cap));  // stb frees it with free()
  if (!out) return nullptr;
  if (compress2(out, &cap, data, uLong(len), quality >= 8 ? 9 : 6) != Z_OK) {
    std::free(out);
    return nullptr;
  }
  *out_len = int(cap);
  return out;
}

namespace fg {

namespace {

constexpr size_t kKeptExact = 48, kPaletteSize = 256;

uint32_t key(const uint8_t* p) { return uint32_t(p[0]) << 16 | uint32_t(p[1]) << 8 | p[2]; }
Color color_of(uint32_t k) { return Color{uint8_t(k >> 16), uint8_t(k >> 8), uint8_t(k)}; }

struct Counted {
  uint32_t key;
  uint64_t n;
  uint8_t ch(int c) const { return uint8_t(key >> (16 - 8 * c)); }
};

// Median cut: split the colour list into `boxes` boxes (the box whose
// longest channel range times pixel count is largest is halved at its
// weighted median along that channel); each box's mean colour joins `pal`.
void median_cut(std::vector<Counted>& cols, size_t boxes, std::vector<Color>& pal) {
  struct Box {
    size_t b, e;
  };
  auto longest = [&](const Box& x, int& channel) {
    int best = 0;
    channel = 0;
    for (int c = 0; c < 3; ++c) {
      int lo = 255, hi = 0;
      for (size_t i = x.b; i < x.e; ++i) lo = std::min<int>(lo, cols[i].ch(c)), hi = std::max<int>(hi, cols[i].ch(c));
      if (hi - lo > best) best = hi - lo, channel = c;
    }
    return best;
  };
  std::vector<Box> list{{0, cols.size()}};
  while (list.size() < boxes) {
    size_t pick = list.size();
    double top = 0;
    int channel = 0;
    for (size_t i = 0; i < list.size(); ++i) {
      int c = 0;
      const int range = longest(list[i], c);
      uint64_t n = 0;
      for (size_t j = list[i].b; j < list[i].e; ++j) n += cols[j].n;
      const double score = double(range) * double(n);
      if (range > 0 && list[i].e - list[i].b > 1 && score > top) top = score, pick = i, channel = c;
    }
    if (pick == list.size()) break;  // nothing left to split
    Box& x = list[pick];
    std::sort(cols.begin() + long(x.b), cols.begin() + long(x.e),
              [channel](const Counted& a, const Counted& b) { return a.ch(channel) < b.ch(channel); });
    uint64_t total = 0, run = 0;
    for (size_t j = x.b; j < x.e; ++j) total += cols[j].n;
    size_t cut = x.b + 1;
    for (size_t j = x.b; j + 1 < x.e; ++j) {
      run += cols[j].n;
      cut = j + 1;
      if (2 * run >= total) break;
    }
    const Box right{cut, x.e};
    x.e = cut;
    list.push_back(right);
  }
  for (const Box& x : list) {
    double s[3] = {0, 0, 0}, n = 0;
    for (size_t j = x.b; j < x.e; ++j)
      for (int c = 0; c < 3; ++c) s[c] += double(cols[j].ch(c)) * double(cols[j].n);
    for (size_t j = x.b; j < x.e; ++j) n += double(cols[j].n);
    if (n > 0)
      pal.push_back(Color{uint8_t(s[0] / n + 0.5), uint8_t(s[1] / n + 0.5), uint8_t(s[2] / n + 0.5)});
  }
}

// Palette and indices for an RGB image.
void to_indexed(const std::vector<uint8_t>& rgb, std::vector<Color>& pal, std::vector<uint8_t>& idx) {
  const size_t n = rgb.size() / 3;
  std::unordered_map<uint32_t, uint64_t> count;
  for (size_t i = 0; i < n; ++i) ++count[key(&rgb[3 * i])];
  std::vector<Counted> cols;
  cols.reserve(count.size());
  for (const auto& kv : count) cols.push_back({kv.first, kv.second});
  std::sort(cols.begin(), cols.end(), [](const Counted& a, const Counted& b) {
    return a.n != b.n ? a.n > b.n : a.key < b.key;  // a fixed order: the same image, the same file
  });
  std::unordered_map<uint32_t, uint64_t>& index_of = count;  // reused: colour -> palette index
  if (cols.size() <= kPaletteSize) {
    for (size_t i = 0; i < cols.size(); ++i) pal.push_back(color_of(cols[i].key)), index_of[cols[i].key] = i;
  } else {
    for (size_t i = 0; i < kKeptExact; ++i) pal.push_back(color_of(cols[i].key));
    std::vector<Counted> rest(cols.begin() + kKeptExact, cols.end());
    median_cut(rest, kPaletteSize - kKeptExact, pal);
    for (size_t i = 0; i < cols.size(); ++i) {
      if (i < kKeptExact) {
        index_of[cols[i].key] = i;
        continue;
      }
      const Color c = color_of(cols[i].key);
      size_t best = 0;
      long best_d = 1L << 40;
      for (size_t j = 0; j < pal.size(); ++j) {
        const long dr = c.r - pal[j].r, dg = c.g - pal[j].g, db = c.b - pal[j].b;
        const long d = 3 * dr * dr + 4 * dg * dg + 2 * db * db;
        if (d < best_d) best_d = d, best = j;
      }
      index_of[cols[i].key] = best;
    }
  }
  idx.resize(n);
  for (size_t i = 0; i < n; ++i) idx[i] = uint8_t(index_of[key(&rgb[3 * i])]);
}

void put_be32(std::vector<uint8_t>& v, size_t at, uint32_t x) {
  v[at] = uint8_t(x >> 24), v[at + 1] = uint8_t(x >> 16), v[at + 2] = uint8_t(x >> 8), v[at + 3] = uint8_t(x);
}

}  // namespace

std::vector<uint8_t> Canvas::encode_png(Png mode) const {
  if (w_ == 0) throw Error("Canvas::encode_png: the canvas is empty (0 x 0)");
  std::vector<uint8_t> out;
  auto sink = [](void* ctx, void* data, int n) {
    auto* v = static_cast<std::vector<uint8_t>*>(ctx);
    v->insert(v->end(), static_cast<uint8_t*>(data), static_cast<uint8_t*>(data) + n);
  };
  stbi_write_png_compression_level = 9;
  int ok = 0;
  std::vector<Color> pal;
  if (mode == Png::Lossless) {
    stbi_write_force_png_filter = -1;  // stb picks a filter a row
    ok = stbi_write_png_to_func(sink, &out, w_, h_, 3, rgb_.data(), w_ * 3);
  } else {
    std::vector<uint8_t> idx;
    to_indexed(rgb_, pal, idx);
    stbi_write_force_png_filter = 0;  // indices are labels, not intensities: no prediction
    ok = stbi_write_png_to_func(sink, &out, w_, h_, 1, idx.data(), w_);
    stbi_write_force_png_filter = -1;
  }
  if (!ok || out.size() < 33)
    throw Error("Canvas::encode_png: PNG encoding of a " + std::to_string(w_) + " x " +
                std::to_string(h_) + " image failed (out of memory?)");
  if (mode == Png::Indexed) {
    // Signature (8), then IHDR: length (4), type (4), 13 bytes of data, CRC (4).
    out[25] = 3;  // colour type: palette
    put_be32(out, 29, uint32_t(crc32(0L, &out[12], 17)));
    std::vector<uint8_t> plte(12 + 3 * pal.size());
    put_be32(plte, 0, uint32_t(3 * pal.size()));
    std::memcpy(&plte[4], "PLTE", 4);
    for (size_t i = 0; i < pal.size(); ++i)
      plte[8 + 3 * i] = pal[i].r, plte[9 + 3 * i] = pal[i].g, plte[10 + 3 * i] = pal[i].b;
    put_be32(plte, 8 + 3 * pal.size(), uint32_t(crc32(0L, &plte[4], uInt(4 + 3 * pal.size()))));
    out.insert(out.begin() + 33, plte.begin(), plte.end());
  }
  return out;
}

void Canvas::save_png(const std::string& path, Png mode) const {
  const std::vector<uint8_t> png = encode_png(mode);
  write_file_atomic(path, png.data(), png.size());
}

}  // namespace fg
