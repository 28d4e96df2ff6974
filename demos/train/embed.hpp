// Embeddings of a set of images through a model, in eval mode and without
// recording a graph: the rows h(x) every evaluation starts from.
#pragma once

#include "core/tensor.hpp"
#include "layers/module.hpp"

namespace fg {

// Images per evaluation forward, here and in Trainer's evaluation. At 128
// LeNet++'s largest activation (32 channels of 28 x 28) takes 13 MB, which
// glibc serves from the heap and reuses; at 500 it took 50 MB, above
// malloc's 32 MB mmap ceiling, so every batch mapped fresh pages and
// faulted them in (in a short gallery run, 9 s of system time against 40 s
// of user time; 0.5 s at 128). Per-image results do not depend on it.
constexpr int kEvalBatch = 128;

// images: n x C x H x W -> n x N, `batch` images per forward pass. The
// model's train/eval mode is restored afterwards. Throws fg::Error when the
// model does not give one row per image or a value is not finite.
Tensor embed_images(Module& model, const Tensor& images, int batch = kEvalBatch);

}  // namespace fg
