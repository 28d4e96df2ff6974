#include "demos/plot/font.hpp"

#include <algorithm>
#include <cmath>

#include "core/data/file_util.hpp"
#include "core/tensor.hpp"

#define STB_TRUETYPE_IMPLEMENTATION
#define STBTT_STATIC
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#include <stb/stb_truetype.h>
#pragma GCC diagnostic pop

namespace fg {

const char* const kDefaultFontPath = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";

const uint8_t* fallback_glyph_rows(uint32_t cp);  // font_bitmap.cpp

struct Font::TrueType {
  std::vector<uint8_t> bytes;  // stbtt_fontinfo points into these
  stbtt_fontinfo info;
  int ascent = 0, descent = 0;  // font units; descent < 0
};

namespace {

// The bitmap font's cell: 5 columns plus 1 of spacing; 8 rows up to and
// including a blank row above the capitals, 2 below the baseline.
constexpr int kCellW = 6, kAbove = 8, kBelow = 2;

}  // namespace

std::vector<uint32_t> utf8_decode(const std::string& s) {
  std::vector<uint32_t> out;
  for (size_t i = 0; i < s.size();) {
    const uint8_t b = uint8_t(s[i]);
    int n = b < 0x80 ? 0 : (b >> 5) == 6 ? 1 : (b >> 4) == 14 ? 2 : (b >> 3) == 30 ? 3 : -1;
    uint32_t cp = n == 0 ? b : n == 1 ? (b & 0x1f) : n == 2 ? (b & 0x0f) : (b & 0x07);
    bool ok = n >= 0 && i + n < s.size();
    for (int k = 1; ok && k <= n; ++k) {
      const uint8_t c = uint8_t(s[i + k]);
      if ((c >> 6) != 2) ok = false;
      else cp = (cp << 6) | (c & 0x3f);
    }
    if (!ok) {
      out.push_back(0xfffd);
      ++i;
      continue;
    }
    out.push_back(cp);
    i += n + 1;
  }
  return out;
}

Font::Font(const std::string& ttf_path) : path_(ttf_path) {
  try {
    auto tt = std::make_shared<TrueType>();
    tt->bytes = read_file_capped(ttf_path, int64_t(64) << 20);
    const int offset = tt->bytes.size() < 12 ? -1 : stbtt_GetFontOffsetForIndex(tt->bytes.data(), 0);
    if (offset < 0 || !stbtt_InitFont(&tt->info, tt->bytes.data(), offset)) return;
    int gap = 0;
    stbtt_GetFontVMetrics(&tt->info, &tt->ascent, &tt->descent, &gap);
    if (tt->ascent - tt->descent <= 0) return;
    tt_ = std::move(tt);
  } catch (const Error&) {
    // Missing or unreadable: the bitmap font draws instead.
  }
}

int Font::bitmap_scale(double px) const {
  return std::max(1, int(std::lround(px / (kAbove + kBelow + 2))));
}

double Font::ascent(double px) const {
  if (!tt_) return kAbove * bitmap_scale(px);
  return tt_->ascent * stbtt_ScaleForPixelHeight(&tt_->info, float(px));
}

double Font::descent(double px) const {
  if (!tt_) return kBelow * bitmap_scale(px);
  return -tt_->descent * stbtt_ScaleForPixelHeight(&tt_->info, float(px));
}

double Font::width(const std::string& text, double px) const { return render(text, px).advance; }

TextMask Font::render(const std::string& text, double px) const {
  const std::vector<uint32_t> cps = utf8_decode(text);
  TextMask m;
  if (!(px > 0) || !std::isfinite(px)) return m;
  if (!tt_) {
    const int s = bitmap_scale(px);
    m.w = std::max(1, int(cps.size()) * kCellW * s);
    m.h = (kAbove + kBelow) * s;
    m.baseline = kAbove * s;
    m.advance = double(cps.size()) * kCellW * s;
    m.alpha.assign(size_t(m.w) * m.h, 0);
    for (size_t i = 0; i < cps.size(); ++i) {
      const uint8_t* rows = fallback_glyph_rows(cps[i]);
      for (int r = 0; r < 9; ++r)
        for (int c = 0; c < 5; ++c) {
          if (!((rows[r] >> (4 - c)) & 1)) continue;
          for (int dy = 0; dy < s; ++dy)
            for (int dx = 0; dx < s; ++dx) {
              const int x = int(i) * kCellW * s + c * s + dx, y = (r + 1) * s + dy;
              m.alpha[size_t(y) * m.w + x] = 255;
            }
        }
    }
    return m;
  }
  const stbtt_fontinfo* info = &tt_->info;
  const float scale = stbtt_ScaleForPixelHeight(info, float(px));
  struct Placed {
    int glyph, x0, y0, x1, y1;  // box relative to (floor(pen), baseline)
    double pen;
  };
  std::vector<Placed> placed;
  const int missing = stbtt_FindGlyphIndex(info, '?');
  double pen = 0;
  int ink_x0 = 0, ink_x1 = 0, ink_y0 = -int(std::ceil(ascent(px))),
      ink_y1 = int(std::ceil(descent(px)));
  for (size_t i = 0; i < cps.size(); ++i) {
    int g = stbtt_FindGlyphIndex(info, int(cps[i]));
    if (g == 0) g = missing;
    Placed p{g, 0, 0, 0, 0, pen};
    const float shift = float(pen - std::floor(pen));
    stbtt_GetGlyphBitmapBoxSubpixel(info, g, scale, scale, shift, 0, &p.x0, &p.y0, &p.x1, &p.y1);
    const int base = int(std::floor(pen));
    ink_x0 = std::min(ink_x0, base + p.x0), ink_x1 = std::max(ink_x1, base + p.x1);
    ink_y0 = std::min(ink_y0, p.y0), ink_y1 = std::max(ink_y1, p.y1);
    placed.push_back(p);
    int adv = 0, lsb = 0;
    stbtt_GetGlyphHMetrics(info, g, &adv, &lsb);
    pen += adv * scale;
    if (i + 1 < cps.size()) {
      int next = stbtt_FindGlyphIndex(info, int(cps[i + 1]));
      pen += scale * stbtt_GetGlyphKernAdvance(info, g, next ? next : missing);
    }
  }
  m.advance = pen;
  ink_x1 = std::max(ink_x1, int(std::ceil(pen)));
  m.origin_x = -ink_x0, m.baseline = -ink_y0;
  m.w = std::max(1, ink_x1 - ink_x0), m.h = std::max(1, ink_y1 - ink_y0);
  m.alpha.assign(size_t(m.w) * m.h, 0);
  std::vector<uint8_t> buf;
  for (const Placed& p : placed) {
    const int gw = p.x1 - p.x0, gh = p.y1 - p.y0;
    if (gw <= 0 || gh <= 0) continue;
    buf.assign(size_t(gw) * gh, 0);
    const float shift = float(p.pen - std::floor(p.pen));
    stbtt_MakeGlyphBitmapSubpixel(info, buf.data(), gw, gh, gw, scale, scale, shift, 0, p.glyph);
    const int ox = m.origin_x + int(std::floor(p.pen)) + p.x0, oy = m.baseline + p.y0;
    for (int y = 0; y < gh; ++y)
      for (int x = 0; x < gw; ++x) {
        uint8_t& dst = m.alpha[size_t(oy + y) * m.w + (ox + x)];
        dst = uint8_t(std::min(255, dst + buf[size_t(y) * gw + x]));
      }
  }
  return m;
}

void Font::draw(Canvas& c, double x, double y, const std::string& text, double px, Color color,
                HAlign h, VAlign v, bool vertical) const {
  if (!std::isfinite(x) || !std::isfinite(y) || text.empty()) return;
  const TextMask m = render(text, px);
  if (m.alpha.empty()) return;
  // The anchor inside the mask, in the text's own frame.
  double ua = m.origin_x + (h == HAlign::Left ? 0 : h == HAlign::Center ? m.advance / 2 : m.advance);
  const double up = ascent(px), down = descent(px);
  double va = m.baseline + (v == VAlign::Top        ? -up
                            : v == VAlign::Middle   ? (down - up) / 2
                            : v == VAlign::Baseline ? 0
                                                    : down);
  if (!vertical)
    c.blend_mask(int(std::lround(x - ua)), int(std::lround(y - va)), m.alpha.data(), m.w, m.h,
                 color);
  else
    c.blend_mask(int(std::lround(x - va)), int(std::lround(y - m.w + 1 + ua)), m.alpha.data(),
                 m.w, m.h, color, true);
}

const Font& default_font() {
  static const Font font(kDefaultFontPath);
  return font;
}

}  // namespace fg
