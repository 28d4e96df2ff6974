// Embeddings of a set of images through a model, in eval mode and without
// recording a graph: the rows h(x) every evaluation starts from.
#pragma once

#include "core/tensor.hpp"
#include "layers/module.hpp"

namespace fg {

// images: n x C x H x W -> n x N, `batch` images per forward pass. The
// model's train/eval mode is restored afterwards. Throws fg::Error when the
// model does not give one row per image or a value is not finite.
Tensor embed_images(Module& model, const Tensor& images, int batch = 500);

}  // namespace fg
