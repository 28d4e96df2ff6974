// Text for the demos' pictures.
//
//   const Font& f = default_font();     // DejaVu Sans, or the built-in bitmap font
//   f.draw(canvas, 320, 12, "ArcFace, m = 0.5", 16, kBlack, HAlign::Center, VAlign::Top);
//   f.draw(canvas, 14, 240, "feature 2", 13, kBlack, HAlign::Center, VAlign::Top, true);
//
// A Font reads a TrueType file through stb_truetype (anti-aliased glyphs,
// kerning, UTF-8 text, so theta can be written as its Greek letter). When
// the file is missing or unreadable it falls back to a plain 5 x 9 bitmap
// font of ASCII, scaled by whole pixels: the pictures still get their
// labels, only plainer (other characters show as '?').
//
// `px` is the size in pixels from the lowest descender to the highest
// ascender, as for stbtt_ScaleForPixelHeight. (x, y) is the anchor: HAlign
// says which part of the text's advance width sits at x, VAlign which line
// of the text sits at y (its top, its middle, its baseline or its bottom).
// vertical = true turns the text 90 degrees counter-clockwise (it reads
// from bottom to top, as a y-axis label); the anchor keeps its meaning in
// the text's own frame.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "demos/plot/canvas.hpp"

namespace fg {

// Debian's fonts-dejavu-core.
extern const char* const kDefaultFontPath;

enum class HAlign { Left, Center, Right };
enum class VAlign { Top, Middle, Baseline, Bottom };

// A line of text as 8-bit coverage: w x h, row-major. The pen starts at
// column origin_x on row `baseline`, and advances `advance` pixels.
struct TextMask {
  int w = 0, h = 0;
  int origin_x = 0, baseline = 0;
  double advance = 0;
  std::vector<uint8_t> alpha;
};

class Font {
 public:
  // Reads `ttf_path`; on any failure the bitmap fallback is used (no error).
  explicit Font(const std::string& ttf_path = kDefaultFontPath);

  bool is_fallback() const { return !tt_; }
  const std::string& path() const { return path_; }

  double ascent(double px) const;   // pixels above the baseline
  double descent(double px) const;  // pixels below it (positive)
  double width(const std::string& text, double px) const;  // the advance of the line

  TextMask render(const std::string& text, double px) const;
  void draw(Canvas& c, double x, double y, const std::string& text, double px, Color color,
            HAlign h = HAlign::Left, VAlign v = VAlign::Baseline, bool vertical = false) const;

 private:
  struct TrueType;
  std::shared_ptr<const TrueType> tt_;
  std::string path_;
  int bitmap_scale(double px) const;
};

// The font the plots use: kDefaultFontPath, loaded once.
const Font& default_font();

// Code points of a UTF-8 string; a malformed byte becomes U+FFFD.
std::vector<uint32_t> utf8_decode(const std::string& s);

}  // namespace fg
