// Writes the seed corpora of the fuzz targets into tests/fuzz/corpus/<target>/:
// valid files made with facegrad's own writers (write_idx, save_checkpoint,
// write_csv) or stb_image_write, and broken variants of each. Run once from
// the repository root; the output is committed, so this is only needed to
// regenerate it:
//
//   g++ -std=c++17 -I. -fopenmp tests/fuzz/make_seeds.cpp core/data/idx.cpp core/data/checkpoint.cpp
//       core/data/csv.cpp core/data/file_util.cpp core/tensor.cpp core/data/dataset.cpp -lz -o /tmp/make_seeds
//   /tmp/make_seeds tests/fuzz/corpus
#include <zlib.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "core/data/checkpoint.hpp"
#include "core/data/csv.hpp"
#include "core/data/idx.hpp"

#define STB_IMAGE_WRITE_IMPLEMENTATION
#include <stb/stb_image_write.h>

namespace fs = std::filesystem;
using Bytes = std::vector<uint8_t>;

namespace {

std::string root;

std::string at(const std::string& target, const std::string& name) {
  fs::create_directories(fs::path(root) / target);
  return (fs::path(root) / target / name).string();
}

Bytes read_all(const std::string& path) {
  Bytes b;
  if (std::FILE* f = std::fopen(path.c_str(), "rb")) {
    int c;
    while ((c = std::fgetc(f)) != EOF) b.push_back(uint8_t(c));
    std::fclose(f);
  }
  return b;
}

void put(const std::string& target, const std::string& name, const Bytes& b) {
  fg::write_file_bytes(at(target, name), b);
}
void put(const std::string& target, const std::string& name, const std::string& s) {
  put(target, name, Bytes(s.begin(), s.end()));
}

Bytes cut(Bytes b, size_t n) {
  b.resize(n < b.size() ? n : b.size());
  return b;
}

void be32(Bytes& b, uint32_t v) {
  for (int s = 24; s >= 0; s -= 8) b.push_back(uint8_t(v >> s));
}
void le16(Bytes& b, uint32_t v) {
  b.push_back(uint8_t(v));
  b.push_back(uint8_t(v >> 8));
}
void le32(Bytes& b, uint32_t v) {
  le16(b, v & 0xffff);
  le16(b, v >> 16);
}

// ---- IDX ---------------------------------------------------------------

Bytes gzip_of(const Bytes& b) {
  const std::string tmp = (fs::temp_directory_path() / "facegrad_make_seeds.gz").string();
  fg::write_file_bytes(tmp, b, true);
  Bytes z = read_all(tmp);
  fs::remove(tmp);
  return z;
}

void idx_seeds() {
  Bytes labels = {3, 1, 4, 1, 5, 9, 2, 6, 5, 3};
  Bytes pixels(2 * 4 * 5);
  for (size_t i = 0; i < pixels.size(); ++i) pixels[i] = uint8_t(i * 37);
  fg::write_idx(at("idx", "labels.idx1"), {10}, labels);
  fg::write_idx(at("idx", "images.idx3"), {2, 4, 5}, pixels);
  fg::write_idx(at("idx", "images.idx3.gz"), {2, 4, 5}, pixels, true);
  fg::write_idx(at("idx", "labels.idx1.gz"), {10}, labels, true);
  fg::write_idx(at("idx", "matrix.idx2"), {3, 3}, Bytes(9, 7));
  const Bytes img = read_all(at("idx", "images.idx3"));
  const Bytes gz = read_all(at("idx", "images.idx3.gz"));
  put("idx", "bad_truncated_payload.idx3", cut(img, img.size() - 3));
  put("idx", "bad_truncated_header.idx3", cut(img, 9));
  Bytes extra = img;
  extra.push_back(0);
  put("idx", "bad_extra_byte.idx3", extra);
  Bytes type = img;
  type[2] = 0x0D;  // float
  put("idx", "bad_float_type.idx3", type);
  Bytes zero = {0, 0, 8, 2};
  be32(zero, 0);
  be32(zero, 4);
  put("idx", "bad_zero_size.idx2", zero);
  Bytes huge = {0, 0, 8, 2};
  be32(huge, 0x7fffffff);
  be32(huge, 0x7fffffff);
  put("idx", "bad_huge_sizes.idx2", huge);
  put("idx", "bad_truncated.gz", cut(gz, gz.size() - 6));
  // Header and payload in two gzip members, as `cat a.gz b.gz` makes.
  Bytes two = gzip_of(Bytes(img.begin(), img.begin() + 16));
  const Bytes rest = gzip_of(Bytes(img.begin() + 16, img.end()));
  two.insert(two.end(), rest.begin(), rest.end());
  put("idx", "two_members.idx3.gz", two);
  Bytes garbage = gz;
  garbage.push_back('x');
  put("idx", "bad_trailing_garbage.gz", garbage);
  Bytes flipped = gz;
  flipped[gz.size() / 2] ^= 0x55;
  put("idx", "bad_corrupt_deflate.gz", flipped);
}

// ---- checkpoints -------------------------------------------------------

void ckpt_seeds() {
  fg::Checkpoint ck;
  ck.tensors.emplace_back("model/fc.W", fg::Tensor::from({2, 3}, {1, -2, 3, 0.5f, 0, -1}));
  ck.tensors.emplace_back("model/fc.b", fg::Tensor::from({2}, {0.25f, -0.75f}));
  ck.tensors.emplace_back("optim/step", fg::Tensor::from({1}, {42}));
  ck.meta["seed"] = "7";
  ck.meta["loss"] = "softmax+0.01*center";
  fg::save_checkpoint(at("checkpoint", "model.fgckpt"), ck);
  fg::save_checkpoint(at("checkpoint", "empty.fgckpt"), fg::Checkpoint{});
  fg::Checkpoint meta_only;
  meta_only.meta["epoch"] = "3";
  fg::save_checkpoint(at("checkpoint", "meta_only.fgckpt"), meta_only);

  // A checkpoint of doubles (as the double build writes it), made by hand.
  Bytes d = {'F', 'G', 'C', 'K', 'P', 'T', '0', '1'};
  le32(d, 1);  // version
  le32(d, 1);  // one tensor
  le32(d, 0);  // no metadata
  le32(d, 1);
  d.push_back('x');
  le32(d, 2);  // rank 2: 1 x 2
  le32(d, 1);
  le32(d, 2);
  d.push_back(8);
  for (double v : {1.5, -2.25}) {
    uint8_t raw[8];
    std::memcpy(raw, &v, 8);
    d.insert(d.end(), raw, raw + 8);
  }
  le32(d, uint32_t(crc32(0, d.data(), uInt(d.size()))));
  put("checkpoint", "double.fgckpt", d);

  const Bytes full = read_all(at("checkpoint", "model.fgckpt"));
  put("checkpoint", "bad_truncated.fgckpt", cut(full, full.size() - 9));
  Bytes bad_crc = full;
  bad_crc[20] ^= 1;
  put("checkpoint", "bad_checksum.fgckpt", bad_crc);
  put("checkpoint", "bad_magic.fgckpt", std::string("FGCKPT02not a checkpoint at all"));
}

// ---- CSV ---------------------------------------------------------------

void csv_seeds() {
  fg::write_csv(at("csv", "features.csv"), fg::Tensor::from({3, 2}, {0.1f, -2, 3e-5f, 4e6f, 0, 1}));
  fg::write_csv(at("csv", "labels.csv"), fg::Tensor::from({4}, {0, 1, 2, 1}));
  put("csv", "spaces_crlf.csv", std::string(" 1 , 2\t,3\r\n4,5 , 6\r\n\r\n"));
  put("csv", "exponents.csv", std::string("1e3,-2.5E-2,+7,0x1p3\n.5,5.,-0,1e-310\n"));
  put("csv", "bad_ragged.csv", std::string("1,2,3\n4,5\n"));
  put("csv", "bad_blank_between.csv", std::string("1,2\n\n3,4\n"));
  put("csv", "bad_not_a_number.csv", std::string("1,abc\n"));
  put("csv", "bad_empty_field.csv", std::string("1,,2\n"));
  put("csv", "bad_overflow.csv", std::string("1e400,2\n"));
  put("csv", "bad_nan.csv", std::string("nan,inf\n"));
  put("csv", "not_integers.csv", std::string("1.5\n3e9\n"));
  put("csv", "bad_empty.csv", std::string(""));
}

// ---- objectives --------------------------------------------------------

void objective_seeds() {
  const std::pair<const char*, const char*> seeds[] = {
      {"center_sum", "softmax+0.01*center"},
      {"three_terms", "normface+0.1*center+0.01*center_invariant"},
      {"range", "softmax+range"},
      {"triplet", "triplet:mining=semihard,alpha=0.3"},
      {"arcface_extra", "arcface:s=64,m=0.5\nm=0.3"},
      {"lsoftmax", "lsoftmax:m=4"},
      {"asoftmax", "asoftmax:m=4"},
      {"amsoftmax_range", "amsoftmax+0.5*range:k=2"},
      {"cosface", "cosface:s=30,m=0.35"},
      {"combined", "combined:m1=1,m2=0.3,m3=0.2"},
      {"l2softmax", "l2softmax:alpha=16"},
      {"coco", "coco"},
      {"contrastive", "contrastive:margin=1"},
      {"marginal", "marginal"},
      {"tse", "tse:dim=2"},
      {"tpe", "tpe:dim=2"},
      {"init_from_w", "normface+0.1*center:init_from_w=1"},
      {"spaces", " softmax : bias=1 + 1e+1 * center:alpha_c=0.3 +.5*range "},
      {"extras", "softmax+center\ncenter.alpha_c=0.5\nsoftmax.bias=0"},
      {"bad_unknown_loss", "softmax+0.01*centre"},
      {"bad_no_name", "0.01*"},
      {"bad_empty_term", "softmax++center"},
      {"bad_weight_after", "center*0.01"},
      {"bad_no_value", "softmax:bias"},
      {"bad_twice", "softmax+softmax"},
      {"bad_extra_no_term", "softmax+center\nalpha_c=0.5"},
  };
  for (const auto& [name, text] : seeds) put("objective", std::string(name) + ".txt", std::string(text));
}

// ---- images ------------------------------------------------------------

void png_chunk(Bytes& png, const char* type, const Bytes& data) {
  be32(png, uint32_t(data.size()));
  const size_t start = png.size();
  png.insert(png.end(), type, type + 4);
  png.insert(png.end(), data.begin(), data.end());
  be32(png, uint32_t(crc32(0, png.data() + start, uInt(png.size() - start))));
}

// A PNG with the given header fields; `rows` is the filtered scanline data
// (filter byte first on each row), compressed here.
Bytes make_png(uint32_t w, uint32_t h, uint8_t depth, uint8_t color, uint8_t interlace,
               const Bytes& rows, const Bytes& plte = {}, const Bytes& trns = {}) {
  Bytes png = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  Bytes ihdr;
  be32(ihdr, w);
  be32(ihdr, h);
  ihdr.insert(ihdr.end(), {depth, color, 0, 0, interlace});
  png_chunk(png, "IHDR", ihdr);
  if (!plte.empty()) png_chunk(png, "PLTE", plte);
  if (!trns.empty()) png_chunk(png, "tRNS", trns);
  uLongf n = compressBound(uLong(rows.size()));
  Bytes z(n);
  compress(z.data(), &n, rows.data(), uLong(rows.size()));
  z.resize(n);
  png_chunk(png, "IDAT", z);
  png_chunk(png, "IEND", {});
  return png;
}

// An uncompressed BMP with a palette of `colors` entries (bits 1, 4 or 8),
// stored top-down when `top_down`.
Bytes make_bmp(int w, int h, int bits, bool top_down) {
  const int colors = 1 << bits, stride = ((w * bits + 31) / 32) * 4;
  const uint32_t offset = 14 + 40 + 4 * colors, size = offset + stride * h;
  Bytes b = {'B', 'M'};
  le32(b, size);
  le32(b, 0);
  le32(b, offset);
  le32(b, 40);
  le32(b, uint32_t(w));
  le32(b, uint32_t(top_down ? -h : h));
  le16(b, 1);
  le16(b, uint32_t(bits));
  le32(b, 0);  // no compression
  le32(b, uint32_t(stride * h));
  le32(b, 2835);
  le32(b, 2835);
  le32(b, uint32_t(colors));
  le32(b, 0);
  for (int c = 0; c < colors; ++c) b.insert(b.end(), {uint8_t(c * 255 / (colors - 1)), uint8_t(c), 0, 0});
  for (int i = 0; i < stride * h; ++i) b.push_back(uint8_t(i * 29));
  return b;
}

void image_seeds() {
  Bytes gray(12 * 10), rgb(6 * 5 * 3), rgba(4 * 4 * 4);
  for (size_t i = 0; i < gray.size(); ++i) gray[i] = uint8_t(i * 2);
  for (size_t i = 0; i < rgb.size(); ++i) rgb[i] = uint8_t(i * 13);
  for (size_t i = 0; i < rgba.size(); ++i) rgba[i] = uint8_t(255 - i * 3);
  stbi_write_png(at("image", "gray_12x10.png").c_str(), 12, 10, 1, gray.data(), 12);
  stbi_write_png(at("image", "rgb_6x5.png").c_str(), 6, 5, 3, rgb.data(), 18);
  stbi_write_png(at("image", "rgba_4x4.png").c_str(), 4, 4, 4, rgba.data(), 16);
  stbi_write_bmp(at("image", "rgb_6x5.bmp").c_str(), 6, 5, 3, rgb.data());
  stbi_write_bmp(at("image", "rgba_4x4.bmp").c_str(), 4, 4, 4, rgba.data());
  stbi_write_jpg(at("image", "gray_12x10.jpg").c_str(), 12, 10, 1, gray.data(), 80);
  stbi_write_jpg(at("image", "rgb_6x5.jpg").c_str(), 6, 5, 3, rgb.data(), 90);

  // PNG variants stb_image_write does not make: a palette with transparency,
  // 16-bit gray, 1-bit gray, and an Adam7-interlaced image.
  Bytes pal_rows;
  for (int y = 0; y < 3; ++y) {
    pal_rows.push_back(uint8_t(y % 5));  // filters 0..4
    for (int x = 0; x < 4; ++x) pal_rows.push_back(uint8_t((x + y) % 3));
  }
  put("image", "palette_4x3.png", make_png(4, 3, 8, 3, 0, pal_rows, {255, 0, 0, 0, 255, 0, 0, 0, 255}, {128}));
  Bytes g16;
  for (int y = 0; y < 2; ++y) {
    g16.push_back(1);  // Sub filter
    for (int x = 0; x < 6; ++x) g16.push_back(uint8_t(x * 40 + y));
  }
  put("image", "gray16_3x2.png", make_png(3, 2, 16, 0, 0, g16));
  Bytes g1 = {0, 0xA5, 2, 0x5A, 3, 0xFF, 4, 0x00};
  put("image", "gray1_8x4.png", make_png(8, 4, 1, 0, 0, g1));
  // Adam7 on a 4 x 4 gray image: passes 1..7 hold 1x1, none, none, 1x1, 2x1,
  // 2x2 and 4x2 pixels (width x rows; an empty pass has no rows at all), each
  // row led by its filter byte.
  Bytes adam = {0, 10, 0, 20, 0, 30, 40, 0, 50, 60, 0, 70, 80};
  for (int r = 0; r < 2; ++r) {
    adam.push_back(0);
    for (int x = 0; x < 4; ++x) adam.push_back(uint8_t(130 + 10 * x + r));
  }
  put("image", "interlaced_4x4.png", make_png(4, 4, 8, 0, 1, adam));
  put("image", "palette8_5x3.bmp", make_bmp(5, 3, 8, false));
  // Stored top-down (a negative height in its header): read like any other.
  put("image", "topdown_palette4_7x2.bmp", make_bmp(7, 2, 4, true));
  put("image", "mono_9x3.bmp", make_bmp(9, 3, 1, false));

  const Bytes png = read_all(at("image", "rgb_6x5.png"));
  put("image", "bad_truncated.png", cut(png, png.size() - 20));
  const Bytes jpg = read_all(at("image", "rgb_6x5.jpg"));
  put("image", "bad_truncated.jpg", cut(jpg, jpg.size() / 2));
  put("image", "bad_not_an_image.png", std::string("GIF89a this is not a png"));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: make_seeds CORPUS_DIR (e.g. tests/fuzz/corpus)\n");
    return 2;
  }
  root = argv[1];
  try {
    idx_seeds();
    ckpt_seeds();
    csv_seeds();
    objective_seeds();
    image_seeds();
  } catch (const fg::Error& e) {
    std::fprintf(stderr, "make_seeds: %s\n", e.what());
    return 1;
  }
  return 0;
}
