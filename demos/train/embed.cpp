#include "demos/train/embed.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "core/graph.hpp"

namespace fg {

Tensor embed_images(Module& model, const Tensor& images, int batch) {
  check_dim("embed_images (images)", images, 4);
  if (batch < 1) throw Error("embed_images: batch must be >= 1, got " + std::to_string(batch));
  const int n = images.size(0);
  const int64_t per = n ? images.numel() / n : 0;
  const bool was_training = model.training();
  model.eval();
  NoGrad no_grad;
  Tensor out;
  for (int start = 0; start < n; start += batch) {
    const int count = std::min(batch, n - start);
    Shape shape = images.shape();
    shape[0] = count;
    Tensor x(shape);
    std::memcpy(x.data(), images.data() + int64_t(start) * per, sizeof(real) * per * count);
    const Tensor h = model.forward(constant(x)).value();
    if (h.dim() != 2 || h.size(0) != count) {
      if (was_training) model.train();
      throw Error("embed_images: the model maps " + shape_str(shape) + " to " +
                  shape_str(h.shape()) + ", expected one row per image");
    }
    const int N = h.size(1);
    if (out.empty()) out = Tensor({n, N});
    for (int64_t i = 0; i < h.numel(); ++i)
      if (!std::isfinite(h[i])) {
        if (was_training) model.train();
        throw Error("embed_images: the embedding of image " + std::to_string(start + i / N) +
                    " has a non-finite value (" + std::to_string(double(h[i])) + ")");
      }
    std::memcpy(out.data() + int64_t(start) * N, h.data(), sizeof(real) * h.numel());
  }
  if (was_training) model.train();
  return out;
}

}  // namespace fg
