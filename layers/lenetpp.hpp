// LeNet++: the network of the Center Loss paper (Wen et al. 2016), used by
// the lecture's papers to draw 2-D feature spaces of MNIST.
//
//   stage 1: conv 5x5 32 (pad 2), PReLU, conv 5x5 32 (pad 2), PReLU, max-pool 2x2/2
//   stage 2: the same with 64 channels, max-pool 2x2/2
//   stage 3: the same with 128 channels, max-pool 3x3/2
//   head:    fully connected to the embedding (dimension 2 for the plots,
//            3 for the sphere, 64 or more for evaluation), PReLU
//
// With 28x28 inputs the maps are 28 -> 14 -> 7 -> 3, so the head sees
// 128 x 3 x 3 = 1152 numbers. The last pool is 3x3 with stride 2: on the 7x7
// map it gives 3x3 just as 2x2/2 would, but its windows (rows 0-2, 2-4, 4-6)
// cover the whole map, whereas 2x2/2 (rows 0-1, 2-3, 4-5) never looks at the
// last row and column, so those 13 of 49 positions would get no gradient.
// The parameter count is the same either way.
//
// Options: the embedding dimension, the input's channels and size (the head's
// input size follows from them), the stage widths (small ones make quick
// tests), BatchNorm after every convolution (the convolutions then drop their
// bias, which the BatchNorm's shift replaces), and the seed of the Kaiming
// initialisation. PReLU slopes: one per channel, starting at 0.25.
// Parameter names: conv1a.weight, conv1a.bias, prelu1a.alpha, ..., conv3b.*,
// fc.weight, fc.bias, prelu_fc.alpha; with BatchNorm also bn1a.weight, ....
#pragma once

#include <array>
#include <cstdint>

#include "layers/sequential.hpp"

namespace fg {

struct LeNetPPOptions {
  int embedding_dim = 2;
  int in_channels = 1, height = 28, width = 28;
  std::array<int, 3> widths{32, 64, 128};
  bool batchnorm = false;
  uint64_t seed = 0;
};

class LeNetPP : public Sequential {
 public:
  explicit LeNetPP(const LeNetPPOptions& options = {});
  LeNetPP(int embedding_dim, uint64_t seed);

  // x: [N, in_channels, height, width] -> the embeddings [N, embedding_dim].
  Var forward(const Var& x) override;
  std::string describe() const override;

  const LeNetPPOptions options;
  int head_inputs = 0;  // channels x height x width after the last pool
};

}  // namespace fg
