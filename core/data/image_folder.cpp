#include "core/data/image_folder.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstring>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <limits>

#include "core/data/file_util.hpp"
#include "core/data/stb_guarded.hpp"

namespace fg {

namespace fs = std::filesystem;

namespace {

// Averages k_h x k_w blocks (the last block of a row or column may be
// smaller): C x h x w -> C x ceil(h/k_h) x ceil(w/k_w).
Tensor box_shrink(const Tensor& img, int kh, int kw) {
  const int c = img.size(0), h = img.size(1), w = img.size(2);
  const int oh = (h + kh - 1) / kh, ow = (w + kw - 1) / kw;
  Tensor out({c, oh, ow});
  for (int ch = 0; ch < c; ++ch)
    for (int y = 0; y < oh; ++y)
      for (int x = 0; x < ow; ++x) {
        const int y1 = std::min(h, (y + 1) * kh), x1 = std::min(w, (x + 1) * kw);
        double sum = 0;
        for (int yy = y * kh; yy < y1; ++yy)
          for (int xx = x * kw; xx < x1; ++xx) sum += img[(int64_t(ch) * h + yy) * w + xx];
        out[(int64_t(ch) * oh + y) * ow + x] =
            static_cast<real>(sum / ((y1 - y * kh) * (x1 - x * kw)));
      }
  return out;
}

bool has_image_extension(const fs::path& p) {
  std::string ext = p.extension().string();
  for (char& ch : ext) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return ext == ".png" || ext == ".jpg" || ext == ".jpeg" || ext == ".bmp";
}

// Sorted entries of `dir` that satisfy `keep`; errors while listing are fg::Error.
template <class Keep>
std::vector<fs::path> sorted_entries(const fs::path& dir, Keep keep) {
  std::vector<fs::path> out;
  std::error_code ec;
  fs::directory_iterator it(dir, ec), end;
  if (ec) throw Error(dir.string() + ": cannot list directory: " + ec.message());
  for (; it != end; it.increment(ec)) {
    if (ec) throw Error(dir.string() + ": cannot list directory: " + ec.message());
    if (keep(it->path())) out.push_back(it->path());
  }
  if (ec) throw Error(dir.string() + ": cannot list directory: " + ec.message());
  std::sort(out.begin(), out.end());
  return out;
}

bool hidden(const fs::path& p) {
  const std::string name = p.filename().string();
  return !name.empty() && name[0] == '.';
}

}  // namespace

Tensor resize_image(const Tensor& img, int height, int width) {
  check_dim("resize_image", img, 3);
  if (height < 1 || width < 1)
    throw Error("resize_image: output size " + std::to_string(height) + " x " +
                std::to_string(width) + ": expected positive sizes");
  Tensor src = img;
  const int kh = std::max(1, img.size(1) / height), kw = std::max(1, img.size(2) / width);
  if (kh > 1 || kw > 1) src = box_shrink(img, kh, kw);
  const int c = src.size(0), h = src.size(1), w = src.size(2);
  if (h < 1 || w < 1) throw Error("resize_image: empty input " + shape_str(img.shape()));
  Tensor out({c, height, width});
  // Pixel centres map onto pixel centres: x_src = (x + 0.5) * w / width - 0.5.
  for (int y = 0; y < height; ++y) {
    const double sy = std::clamp((y + 0.5) * h / height - 0.5, 0.0, double(h - 1));
    const int y0 = static_cast<int>(sy), y1 = std::min(y0 + 1, h - 1);
    const double fy = sy - y0;
    for (int x = 0; x < width; ++x) {
      const double sx = std::clamp((x + 0.5) * w / width - 0.5, 0.0, double(w - 1));
      const int x0 = static_cast<int>(sx), x1 = std::min(x0 + 1, w - 1);
      const double fx = sx - x0;
      for (int ch = 0; ch < c; ++ch) {
        const real* p = src.data() + int64_t(ch) * h * w;
        const double top = p[y0 * w + x0] * (1 - fx) + p[y0 * w + x1] * fx;
        const double bot = p[y1 * w + x0] * (1 - fx) + p[y1 * w + x1] * fx;
        out[(int64_t(ch) * height + y) * width + x] = static_cast<real>(top * (1 - fy) + bot * fy);
      }
    }
  }
  return out;
}

Tensor decode_image(const uint8_t* bytes, size_t n, const std::string& name, int height,
                    int width, bool rgb, int64_t max_pixels) {
  if (n == 0) throw Error(name + ": empty file: expected a PNG, JPEG or BMP image");
  if (n > 0x7fffffffu) throw Error(name + ": file too large for the image decoder");
  const int len = static_cast<int>(n);
  const std::string bad = stb::bad_bytes(bytes, n);
  if (!bad.empty()) throw Error(name + ": " + bad);
  int w = 0, h = 0, comp = 0;
  // Reading a header needs little memory.
  if (!stb::info(bytes, len, &w, &h, &comp, size_t(1) << 24))
    throw Error(name + ": not a readable PNG, JPEG or BMP image (" + stb::failure_reason() + ")");
  // A BMP with a negative height stores its rows top-down; stb reads it
  // (flipping rows as needed) but reports the height with its sign.
  const bool bmp = n >= 2 && bytes[0] == 'B' && bytes[1] == 'M';
  if (bmp && h < 0 && h != std::numeric_limits<int>::min()) h = -h;
  if (w < 1 || h < 1 || int64_t(w) * h > max_pixels)
    throw Error(name + ": image is " + std::to_string(w) + " x " + std::to_string(h) +
                ": expected at most " + std::to_string(max_pixels) + " pixels");
  const int want = rgb ? 3 : 1;
  // Room for the decoded image at 16 bits and 4 channels, with margins for
  // JPEG blocks and PNG filter bytes.
  const size_t limit = size_t(w + 32) * size_t(h + 32) * 8 + (size_t(1) << 20);
  stb::Outcome outcome;
  uint8_t* pix = stb::load(bytes, len, &w, &h, &comp, want, limit, &outcome);
  if (pix && outcome.jpeg_overrun) {
    stb::free_pixels(pix);
    throw Error(name + ": corrupt JPEG: a marker cuts its compressed data short (the image "
                "needs more bits than the scan holds)");
  }
  if (!pix && outcome.refused)
    throw Error(name + ": corrupt image: decoding needs more memory than a " + std::to_string(w) +
                " x " + std::to_string(h) + " image can");
  if (!pix) throw Error(name + ": cannot decode image (" + stb::failure_reason() + ")");
  Tensor img({want, h, w});
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x)
      for (int c = 0; c < want; ++c)
        img[(int64_t(c) * h + y) * w + x] = real(pix[(int64_t(y) * w + x) * want + c]) / real(255);
  stb::free_pixels(pix);
  return (h == height && w == width) ? img : resize_image(img, height, width);
}

Tensor load_image(const std::string& path, int height, int width, bool rgb) {
  const std::vector<uint8_t> bytes = read_file_capped(path, int64_t(64) << 20);
  return decode_image(bytes.data(), bytes.size(), path, height, width, rgb);
}

Dataset load_image_folder(const std::string& dir, const ImageFolderOptions& opt,
                          ImageFolderReport* report) {
  if (opt.height < 1 || opt.width < 1)
    throw Error("load_image_folder: image size " + std::to_string(opt.height) + " x " +
                std::to_string(opt.width) + ": expected positive sizes");
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    throw Error(dir + ": no such directory: expected a directory with one sub-directory of "
                "images per class");
  const std::vector<fs::path> classes = sorted_entries(dir, [](const fs::path& p) {
    std::error_code e;
    return !hidden(p) && fs::is_directory(p, e);
  });
  if (classes.empty())
    throw Error(dir + ": no class sub-directories: expected one sub-directory of images per class");

  ImageFolderReport local;
  ImageFolderReport& rep = report ? *report : local;
  struct Item { std::string path; int label; };
  std::vector<Item> items;
  Dataset d;
  for (size_t c = 0; c < classes.size(); ++c) {
    d.class_names.push_back(classes[c].filename().string());
    for (const fs::path& f : sorted_entries(classes[c], [](const fs::path& p) { return !hidden(p); })) {
      std::error_code e;
      if (fs::is_directory(f, e)) continue;
      if (has_image_extension(f)) items.push_back({f.string(), static_cast<int>(c)});
      else ++rep.ignored;
    }
  }

  // Decode in parallel into slots, then keep the readable ones in order.
  const int channels = opt.rgb ? 3 : 1;
  std::vector<Tensor> decoded(items.size());
  std::vector<std::string> failure(items.size());
#pragma omp parallel for schedule(dynamic, 4)
  for (int64_t i = 0; i < int64_t(items.size()); ++i) {
    try {
      const auto bytes = read_file_capped(items[i].path, opt.max_file_bytes);
      decoded[i] = decode_image(bytes.data(), bytes.size(), items[i].path, opt.height,
                                opt.width, opt.rgb, opt.max_pixels);
    } catch (const std::exception& e) {
      failure[i] = e.what();
    }
  }
  std::vector<int> per_class(classes.size(), 0);
  for (size_t i = 0; i < items.size(); ++i) {
    if (failure[i].empty()) {
      d.labels.push_back(items[i].label);
      ++per_class[items[i].label];
    } else {
      rep.warnings.push_back(failure[i] + "; skipped");
      ++rep.skipped;
    }
  }
  rep.loaded = d.size();
  for (size_t c = 0; c < classes.size(); ++c)
    if (per_class[c] == 0)
      rep.warnings.push_back(classes[c].string() + ": no readable image; class " +
                             std::to_string(c) + " has no samples");
  rep.warnings.push_back(dir + ": loaded " + std::to_string(rep.loaded) + " images in " +
                         std::to_string(classes.size()) + " classes, skipped " +
                         std::to_string(rep.skipped) + " unreadable, ignored " +
                         std::to_string(rep.ignored) + " other files");
  if (!report)
    for (const std::string& w : rep.warnings) std::fprintf(stderr, "%s\n", w.c_str());
  if (rep.loaded == 0)
    throw Error(dir + ": no readable images (" + std::to_string(rep.skipped) +
                " unreadable, " + std::to_string(rep.ignored) +
                " other files): expected PNG, JPEG or BMP files in class sub-directories");

  d.images = Tensor({rep.loaded, channels, opt.height, opt.width});
  const int64_t per = int64_t(channels) * opt.height * opt.width;
  int64_t k = 0;
  for (size_t i = 0; i < items.size(); ++i)
    if (failure[i].empty())
      std::copy(decoded[i].data(), decoded[i].data() + per, d.images.data() + per * k++);
  d.name = dir;
  return d;
}

}  // namespace fg
