// The GIF animation of the training frames (demos/plot/animation.hpp), read
// back with giflib: header, frame count, size and exact palette colours.
#include <catch2/catch.hpp>
#include <gif_lib.h>

#include <string>
#include <vector>

#include "core/data/file_util.hpp"
#include "demos/plot/animation.hpp"
#include "demos/plot/plot.hpp"
#include "tests/data_test_util.hpp"

using namespace fg;
using Catch::Matchers::Contains;
using fg_test::TempDir;

TEST_CASE("plot: the GIF animation has GIF89a, its frames and exact palette colours", "[plot]") {
  TempDir dir;
  GifAnimation anim(30);
  for (int k = 0; k < 3; ++k) {
    Canvas c(40, 30, class_color(k + 2));
    c.fill_rect(0, 0, 10, 10, kBlack);
    anim.add_frame(c);
  }
  REQUIRE(anim.frames() == 3);
  REQUIRE_THROWS_WITH(anim.add_frame(Canvas(41, 30)), Contains("40 x 30"));
  const std::string path = dir.file("a.gif");
  anim.save(path);
  const std::vector<uint8_t> bytes = read_file_capped(path, 1 << 20);
  REQUIRE(std::string(bytes.begin(), bytes.begin() + 6) == "GIF89a");
  int err = 0;
  GifFileType* gif = DGifOpenFileName(path.c_str(), &err);
  REQUIRE(gif != nullptr);
  REQUIRE(DGifSlurp(gif) == GIF_OK);
  REQUIRE(gif->ImageCount == 3);
  REQUIRE(gif->SWidth == 40);
  REQUIRE(gif->SHeight == 30);
  for (int k = 0; k < 3; ++k) {
    const SavedImage& im = gif->SavedImages[k];
    const ColorMapObject* map = im.ImageDesc.ColorMap ? im.ImageDesc.ColorMap : gif->SColorMap;
    const GifColorType in = map->Colors[im.RasterBits[15 * 40 + 30]];
    REQUIRE(Color{in.Red, in.Green, in.Blue} == class_color(k + 2));
    const GifColorType corner = map->Colors[im.RasterBits[0]];
    REQUIRE(Color{corner.Red, corner.Green, corner.Blue} == kBlack);
  }
  DGifCloseFile(gif, &err);
  REQUIRE(frame_path("out", "features", 7) == "out/features_007.png");
}
