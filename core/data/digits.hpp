// Synthetic MNIST-like data: digits drawn as pen strokes.
//
// Each digit 0-9 is a few polylines and elliptic arcs in a glyph box of
// height 1 centred on the origin (x right, y down). An image jitters the
// control points, picks a variant (a 1 with or without a flag, a 7 with or
// without a cross bar, an open or closed 4, ...), applies a random scale,
// aspect, slant, rotation and shift, and draws the strokes with a random pen
// width, anti-aliased by the distance from each pixel centre to the stroke.
// Uniform pixel noise of random strength is added last; values lie in [0, 1].
//
// Image i is drawn with its own generator seeded by derive_seed(seed, i), so
// a data set is the same whatever the number of threads.
#pragma once

#include <cstdint>

#include "core/data/dataset.hpp"
#include "core/random.hpp"

namespace fg {

// Where and how one glyph is drawn on a size x size canvas (pixel units).
struct GlyphPose {
  double cx = 14, cy = 14;     // centre of the glyph box
  double height = 18;          // glyph height
  double aspect = 1;           // width multiplier
  double slant = 0;            // shear: x += slant * (-y), so > 0 leans right
  double rotation = 0;         // radians, clockwise on screen
  double pen = 2.2;            // stroke width
  double ink = 1;              // stroke intensity
  double jitter = 0.03;        // control-point jitter, in glyph heights
  uint32_t variant = 0;        // bits choosing between the drawings of a digit
};

// Draws `digit` (0-9) onto `canvas` (size x size, row-major), keeping the
// brighter value where strokes overlap. `rng` drives the jitter.
void draw_digit(int digit, const GlyphPose& pose, Rng& rng, real* canvas, int size);

// A random pose for one MNIST-like digit on a 28 x 28 canvas.
GlyphPose random_digit_pose(Rng& rng);

// n images 1 x 28 x 28 with labels i % 10 (balanced), class names "0".."9".
Dataset make_digits(int n, uint64_t seed);

// Synthetic identities for verification demos. Identity i is a distinct
// ordered pair of digits (so at most 100 identities), drawn side by side
// with a handwriting of its own: its slant, aspect, pen width and variant
// bits are fixed per identity; each of its per_id images varies the jitter,
// scale, shift, a little slant and the noise. Class names are the pairs
// ("37"); labels are grouped: images i*per_id .. (i+1)*per_id-1 are identity i.
Dataset make_identities(int num_ids, int per_id, uint64_t seed);

}  // namespace fg
