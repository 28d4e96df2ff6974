// Checkpoints: named tensors plus text metadata in one binary file.
//
// Layout (little-endian):
//   "FGCKPT01"                      8-byte magic
//   u32 version (1)
//   u32 tensor count, u32 metadata count
//   per tensor:   u32 name length, name, u32 rank, rank x i32 dims,
//                 u8 scalar size (4 = float, 8 = double), numel values
//   per metadata: u32 key length, key, u32 value length, value
//   u32 CRC-32 of every byte before it
// Tensors are stored in the build's scalar type and converted on load, so a
// float checkpoint loads into the double build and back.
//
// Writing goes to a temporary file in the same folder, flushed to disk, then
// renamed over the target: a checkpoint is either the old one or the new one,
// never half of either. Loading checks everything and names the file, the
// byte offset and what was expected.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "core/tensor.hpp"

namespace fg {

using NamedTensor = std::pair<std::string, Tensor>;

struct Checkpoint {
  std::vector<NamedTensor> tensors;
  std::map<std::string, std::string> meta;

  const Tensor* find(const std::string& name) const;
  // The entries whose names start with prefix, with the prefix removed
  // (a checkpoint holds "model/...", "optim/...", "loss/..." side by side).
  std::vector<NamedTensor> with_prefix(const std::string& prefix) const;
  void add(const std::string& prefix, const std::vector<NamedTensor>& entries);
};

void save_checkpoint(const std::string& path, const Checkpoint& ck);
Checkpoint load_checkpoint(const std::string& path);

// Copies each tensor of `into` from the entry of the same name in `from`.
// A missing name, an extra name or a shape mismatch is an fg::Error naming
// it (`what` and `path` say where the tensors came from, for the message).
void restore_tensors(const std::vector<NamedTensor>& from, const std::vector<NamedTensor>& into,
                     const std::string& what, const std::string& path);

}  // namespace fg
