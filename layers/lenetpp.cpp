#include "layers/lenetpp.hpp"

#include "core/random.hpp"
#include "layers/batchnorm.hpp"
#include "layers/conv2d.hpp"
#include "layers/flatten.hpp"
#include "layers/linear.hpp"
#include "layers/maxpool.hpp"
#include "layers/prelu.hpp"

namespace fg {

LeNetPP::LeNetPP(int embedding_dim, uint64_t seed)
    : LeNetPP([&] {
        LeNetPPOptions o;
        o.embedding_dim = embedding_dim;
        o.seed = seed;
        return o;
      }()) {}

LeNetPP::LeNetPP(const LeNetPPOptions& o) : options(o) {
  if (o.embedding_dim < 1 || o.in_channels < 1 || o.widths[0] < 1 || o.widths[1] < 1 ||
      o.widths[2] < 1)
    throw Error("LeNetPP: the embedding dimension, input channels and widths must be positive");
  Rng rng(o.seed);
  int channels = o.in_channels, h = o.height, w = o.width;
  const int pool_k[3] = {2, 2, 3};  // the last pool is 3x3/2: see lenetpp.hpp
  for (int s = 0; s < 3; ++s) {
    const std::string id = std::to_string(s + 1);
    for (const char* half : {"a", "b"}) {
      const std::string tag = id + half;
      emplace<Conv2d>("conv" + tag, channels, o.widths[s], 5, rng, 1, 2, !o.batchnorm);
      if (o.batchnorm) emplace<BatchNorm>("bn" + tag, o.widths[s]);
      emplace<PReLU>("prelu" + tag, o.widths[s]);
      channels = o.widths[s];
    }
    auto& pool = emplace<MaxPool2d>("pool" + id, pool_k[s], 2);
    if (h < pool_k[s] || w < pool_k[s])
      throw Error("LeNetPP: an input of " + std::to_string(o.height) + "x" +
                  std::to_string(o.width) + " is too small: stage " + id + " sees " +
                  std::to_string(h) + "x" + std::to_string(w) + ", less than its " +
                  std::to_string(pool_k[s]) + "x" + std::to_string(pool_k[s]) +
                  " pool (need at least 12x12)");
    h = pool.out_size(h);
    w = pool.out_size(w);
  }
  head_inputs = channels * h * w;
  emplace<Flatten>("flatten");
  emplace<Linear>("fc", head_inputs, o.embedding_dim, rng);
  emplace<PReLU>("prelu_fc", o.embedding_dim);
}

Var LeNetPP::forward(const Var& x) {
  const Shape& s = x.shape();
  if (s.size() != 4 || s[1] != options.in_channels || s[2] != options.height ||
      s[3] != options.width)
    throw Error("LeNetPP: expected input [N, " + std::to_string(options.in_channels) + ", " +
                std::to_string(options.height) + ", " + std::to_string(options.width) +
                "], got " + shape_str(s));
  return Sequential::forward(x);
}

std::string LeNetPP::describe() const {
  return "LeNet++ (embedding " + std::to_string(options.embedding_dim) + ", widths " +
         std::to_string(options.widths[0]) + "/" + std::to_string(options.widths[1]) + "/" +
         std::to_string(options.widths[2]) + (options.batchnorm ? ", BatchNorm" : "") + ")";
}

}  // namespace fg
