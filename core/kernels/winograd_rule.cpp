// Where the convolution kernels of conv.cpp hand a pass over to Winograd:
// the rule of conv_tuning.hpp and the switch that overrides it.
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <string>

#include "core/error.hpp"
#include "core/kernels/conv_tuning.hpp"
#include "core/kernels/winograd.hpp"

namespace fg {

namespace {

constexpr int kUnset = -2;
std::atomic<int> g_mode{kUnset};

int mode_from_environment() {
  const char* v = std::getenv("FG_CONV_WINOGRAD");
  if (!v || !*v) return -1;
  if (!std::strcmp(v, "off") || !std::strcmp(v, "0")) return 0;
  if (!std::strcmp(v, "2")) return 2;
  if (!std::strcmp(v, "4")) return 4;
  throw Error(std::string("FG_CONV_WINOGRAD is '") + v +
              "'; expected off (the im2col path), 2 or 4 (Winograd with that tile "
              "wherever it applies), or unset (the rule in conv_tuning.hpp)");
}

}  // namespace

int conv_winograd_mode() {
  int m = g_mode.load();
  if (m == kUnset) {
    m = mode_from_environment();
    g_mode.store(m);
  }
  return m;
}

void set_conv_winograd_mode(int mode) {
  if (mode != -1 && mode != 0 && mode != 2 && mode != 4)
    throw Error("set_conv_winograd_mode: mode " + std::to_string(mode) +
                " is not one of -1 (the rule), 0 (never), 2 or 4 (that tile)");
  g_mode.store(mode);
}

int conv_winograd_tile(const ConvGeom& g, ConvPass p) {
  const int mode = conv_winograd_mode();
  if (mode == 0) return 0;
  if (mode > 0) return winograd_supported(g, mode) ? mode : 0;
  // The rule of conv_tuning.hpp: every pass of 5x5 layers with 32 channels
  // or more on both sides.
  (void)p;
  return g.KH == 5 && g.C >= 32 && g.F >= 32 && winograd_supported(g, 4) ? 4 : 0;
}

}  // namespace fg
