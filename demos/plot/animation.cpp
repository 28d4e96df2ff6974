#include "demos/plot/animation.hpp"

#include <gif_lib.h>

#include <cstdio>
#include <cstring>

#include "core/data/file_util.hpp"
#include "core/tensor.hpp"
#include "demos/plot/plot.hpp"

namespace fg {

const std::vector<Color>& gif_palette() {
  static const std::vector<Color> palette = [] {
    std::vector<Color> p;
    for (int k = 0; k < 10; ++k) {
      for (double t : {1.0, 0.85, 0.7, 0.55, 0.42, 0.3, 0.2, 0.12, 0.06})
        p.push_back(mix(kWhite, class_color(k), t));
      p.push_back(darken(class_color(k), 0.55));  // marker outlines
    }
    for (int i = 0; i < 31; ++i) p.push_back(grey(i * 255 / 30));
    const int level[5] = {0, 64, 128, 192, 255};
    for (int r : level)
      for (int g : level)
        for (int b : level) p.push_back(Color{uint8_t(r), uint8_t(g), uint8_t(b)});
    return p;  // 100 + 31 + 125 = 256
  }();
  return palette;
}

namespace {

int nearest(Color c) {
  const std::vector<Color>& p = gif_palette();
  int best = 0;
  long best_d = 1L << 40;
  for (size_t i = 0; i < p.size(); ++i) {
    const long dr = c.r - p[i].r, dg = c.g - p[i].g, db = c.b - p[i].b;
    const long d = 3 * dr * dr + 4 * dg * dg + 2 * db * db;  // green counts most to the eye
    if (d < best_d) best_d = d, best = int(i);
  }
  return best;
}

// Nearest palette entry for every colour at 6 bits a channel.
const std::vector<uint8_t>& lookup_table() {
  static const std::vector<uint8_t> table = [] {
    std::vector<uint8_t> t(size_t(1) << 18);
    for (int r = 0; r < 64; ++r)
      for (int g = 0; g < 64; ++g)
        for (int b = 0; b < 64; ++b)
          t[size_t(r) << 12 | size_t(g) << 6 | size_t(b)] = uint8_t(
              nearest(Color{uint8_t(r << 2 | r >> 4), uint8_t(g << 2 | g >> 4), uint8_t(b << 2 | b >> 4)}));
    return t;
  }();
  return table;
}

int write_to_vector(GifFileType* gif, const GifByteType* data, int n) {
  auto* out = static_cast<std::vector<uint8_t>*>(gif->UserData);
  out->insert(out->end(), data, data + n);
  return n;
}

}  // namespace

uint8_t gif_palette_index(Color c) {
  return lookup_table()[size_t(c.r >> 2) << 12 | size_t(c.g >> 2) << 6 | size_t(c.b >> 2)];
}

GifAnimation::GifAnimation(int delay_cs, bool loop) : delay_cs_(0), loop_(loop) { set_delay(delay_cs); }

void GifAnimation::set_delay(int delay_cs) {
  if (delay_cs < 1 || delay_cs > 65535)
    throw Error("GifAnimation: delay " + std::to_string(delay_cs) +
                " (expected 1..65535 hundredths of a second)");
  delay_cs_ = delay_cs;
}

void GifAnimation::add_frame(const Canvas& frame) {
  if (frame.width() < 1 || frame.width() > 65535 || frame.height() > 65535)
    throw Error("GifAnimation::add_frame: frame of " + std::to_string(frame.width()) + " x " +
                std::to_string(frame.height()) + " (expected 1..65535 pixels a side)");
  if (!frames_.empty() && (frame.width() != w_ || frame.height() != h_))
    throw Error("GifAnimation::add_frame: frame " + std::to_string(frames_.size()) + " is " +
                std::to_string(frame.width()) + " x " + std::to_string(frame.height()) +
                " (expected " + std::to_string(w_) + " x " + std::to_string(h_) +
                " like the first frame)");
  w_ = frame.width(), h_ = frame.height();
  const std::vector<uint8_t>& rgb = frame.pixels();
  std::vector<uint8_t> idx(size_t(w_) * h_);
  for (size_t i = 0; i < idx.size(); ++i)
    idx[i] = gif_palette_index(Color{rgb[3 * i], rgb[3 * i + 1], rgb[3 * i + 2]});
  frames_.push_back(std::move(idx));
}

std::vector<uint8_t> GifAnimation::encode() const {
  if (frames_.empty()) throw Error("GifAnimation::encode: no frames (add at least one)");
  std::vector<uint8_t> out;
  int err = 0;
  GifFileType* gif = EGifOpen(&out, write_to_vector, &err);
  if (!gif) throw Error(std::string("GifAnimation::encode: ") + GifErrorString(err));
  auto fail = [&](const char* what) {
    const int code = gif->Error;
    int close_err = 0;
    EGifCloseFile(gif, &close_err);
    const char* msg = GifErrorString(code);
    throw Error(std::string("GifAnimation::encode: ") + what + ": " + (msg ? msg : "unknown error"));
  };
  std::vector<GifColorType> colors;
  for (Color c : gif_palette()) colors.push_back(GifColorType{c.r, c.g, c.b});
  ColorMapObject* map = GifMakeMapObject(256, colors.data());
  if (!map) fail("no memory for the colour map");
  EGifSetGifVersion(gif, true);
  const int screen_ok = EGifPutScreenDesc(gif, w_, h_, 8, 0, map);
  GifFreeMapObject(map);
  if (screen_ok != GIF_OK) fail("screen descriptor");
  if (loop_) {  // the NETSCAPE2.0 application block: loop forever
    const unsigned char app[11] = {'N', 'E', 'T', 'S', 'C', 'A', 'P', 'E', '2', '.', '0'};
    const unsigned char count[3] = {1, 0, 0};
    if (EGifPutExtensionLeader(gif, APPLICATION_EXT_FUNC_CODE) != GIF_OK ||
        EGifPutExtensionBlock(gif, 11, app) != GIF_OK ||
        EGifPutExtensionBlock(gif, 3, count) != GIF_OK || EGifPutExtensionTrailer(gif) != GIF_OK)
      fail("loop extension");
  }
  for (const auto& f : frames_) {
    GraphicsControlBlock gcb;
    gcb.DisposalMode = DISPOSE_DO_NOT, gcb.UserInputFlag = false;
    gcb.DelayTime = delay_cs_, gcb.TransparentColor = NO_TRANSPARENT_COLOR;
    GifByteType ext[4];
    const size_t len = EGifGCBToExtension(&gcb, ext);
    if (EGifPutExtension(gif, GRAPHICS_EXT_FUNC_CODE, int(len), ext) != GIF_OK) fail("frame delay");
    if (EGifPutImageDesc(gif, 0, 0, w_, h_, false, nullptr) != GIF_OK) fail("image descriptor");
    for (int y = 0; y < h_; ++y)
      if (EGifPutLine(gif, const_cast<GifPixelType*>(&f[size_t(y) * w_]), w_) != GIF_OK)
        fail("image data");
  }
  if (EGifCloseFile(gif, &err) != GIF_OK)
    throw Error(std::string("GifAnimation::encode: closing: ") + GifErrorString(err));
  return out;
}

void GifAnimation::save(const std::string& path) const {
  const std::vector<uint8_t> bytes = encode();
  write_file_atomic(path, bytes.data(), bytes.size());
}

std::string frame_path(const std::string& dir, const std::string& stem, int index) {
  char num[32];
  std::snprintf(num, sizeof num, "%03d", index);
  return (dir.empty() ? "" : dir + "/") + stem + "_" + num + ".png";
}

}  // namespace fg
