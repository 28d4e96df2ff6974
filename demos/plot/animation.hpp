// Animations of the feature space over training: an animated GIF (giflib)
// and numbered PNG frames.
//
//   GifAnimation anim(60);                     // 0.6 s a frame
//   for each epoch:
//     Canvas frame = fig.render();
//     frame.save_png(frame_path(out, "features", epoch));   // out/features_003.png
//     anim.add_frame(frame);
//   anim.save(out + "/features.gif");          // temp file, then rename
//
// GIF holds 256 colours a frame. Every frame is mapped to one fixed palette
// (no dithering, so flat areas stay flat, and no colour flicker between
// frames): the ten class colours at nine strengths over white (points,
// translucent points, region tints) and darkened (marker outlines), 31
// greys (text, axes, grid) and a 5 x 5 x 5 colour cube for anything else,
// such as the generated colours of classes 10 and up.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "demos/plot/canvas.hpp"

namespace fg {

// The fixed 256-entry GIF palette described above.
const std::vector<Color>& gif_palette();
// Index of the palette entry nearest to c (squared RGB distance).
uint8_t gif_palette_index(Color c);

class GifAnimation {
 public:
  // delay_cs: hundredths of a second each frame stays; loop: repeat forever.
  explicit GifAnimation(int delay_cs = 50, bool loop = true);

  // Quantises and keeps the frame; all frames must have the first one's size.
  void add_frame(const Canvas& frame);
  int frames() const { return int(frames_.size()); }
  void set_delay(int delay_cs);

  std::vector<uint8_t> encode() const;      // the GIF file's bytes (at least one frame)
  void save(const std::string& path) const; // written atomically; fg::Error names the path

 private:
  int delay_cs_;
  bool loop_;
  int w_ = 0, h_ = 0;
  std::vector<std::vector<uint8_t>> frames_;  // palette indices, row-major
};

// "dir/stem_007.png": the path of PNG frame `index` (zero-padded to 3 digits).
std::string frame_path(const std::string& dir, const std::string& stem, int index);

}  // namespace fg
