// Image-folder data sets: how a user brings their own face crops.
//
//   root/
//     alice/  001.png  002.jpg ...
//     bob/    a.bmp ...
//
// One sub-directory per identity; the class names are the sub-directory
// names in sorted order, so class c is always the c-th directory (a
// directory whose images are all unreadable keeps its class, with no
// samples). Files are read in sorted order with stb_image (PNG, JPEG, BMP,
// by extension, any case), converted to grayscale or kept RGB, and resized
// to the requested size. Files with other extensions and hidden files are
// ignored. An unreadable image is reported by path and skipped; a count
// closes the report. A missing directory, or one with no readable image, is
// an fg::Error naming the path.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/data/dataset.hpp"

namespace fg {

struct ImageFolderOptions {
  int height = 28, width = 28;             // output size
  bool rgb = false;                        // 3 channels (RGB) instead of 1 (grayscale)
  int64_t max_file_bytes = int64_t(64) << 20;  // larger files are skipped as unreadable
  int64_t max_pixels = int64_t(1) << 25;   // larger images are skipped as unreadable
};

struct ImageFolderReport {
  int loaded = 0;                          // images in the data set
  int skipped = 0;                         // unreadable images, each named in warnings
  int ignored = 0;                         // files without an image extension
  std::vector<std::string> warnings;       // "path: reason", then a summary line
};

// Loads `dir`. When `report` is null, warnings go to stderr; otherwise they
// are stored in *report and nothing is printed.
Dataset load_image_folder(const std::string& dir, const ImageFolderOptions& opt = {},
                          ImageFolderReport* report = nullptr);

// Decodes one PNG, JPEG or BMP image held in memory into a C x height x
// width tensor in [0, 1] (C = 3 when rgb, else 1). Throws fg::Error naming
// `name` when the bytes are not a readable image or it exceeds max_pixels.
Tensor decode_image(const uint8_t* bytes, size_t n, const std::string& name, int height,
                    int width, bool rgb = false, int64_t max_pixels = int64_t(1) << 25);

// Reads and decodes one image file the same way.
Tensor load_image(const std::string& path, int height, int width, bool rgb = false);

// Resizes a C x h x w image to C x height x width by bilinear interpolation
// between pixel centres. When shrinking by a factor k >= 2 along an axis,
// k-pixel blocks are averaged first, so no pixel is skipped (plain
// bilinear would alias).
Tensor resize_image(const Tensor& img, int height, int width);

}  // namespace fg
