#include "core/data/checkpoint.hpp"

#include <zlib.h>

#include <cstring>
#include <set>

#include "core/data/file_util.hpp"

namespace fg {

namespace {

constexpr char kMagic[8] = {'F', 'G', 'C', 'K', 'P', 'T', '0', '1'};
constexpr uint32_t kVersion = 1;
constexpr int64_t kMaxCheckpointBytes = int64_t(4) << 30;

struct Writer {
  std::string out;
  void u32(uint32_t v) { out.append(reinterpret_cast<const char*>(&v), 4); }
  void str(const std::string& s) {
    u32(static_cast<uint32_t>(s.size()));
    out += s;
  }
};

// Reads with bounds checks; every failure names the file and the offset.
struct Reader {
  const std::vector<uint8_t>& bytes;
  size_t end;  // the CRC is not part of the payload
  const std::string& path;
  size_t pos = 0;

  [[noreturn]] void fail(const std::string& what) const {
    throw Error(path + ": corrupt checkpoint at byte " + std::to_string(pos) + ": " + what);
  }
  void need(size_t n, const char* what) const {
    if (n > end - pos) fail(std::string("expected ") + what + " (" + std::to_string(n) +
                            " bytes), but only " + std::to_string(end - pos) + " remain");
  }
  uint32_t u32(const char* what) {
    need(4, what);
    uint32_t v;
    std::memcpy(&v, bytes.data() + pos, 4);
    pos += 4;
    return v;
  }
  std::string str(const char* what) {
    const uint32_t n = u32(what);
    need(n, what);
    std::string s(reinterpret_cast<const char*>(bytes.data() + pos), n);
    pos += n;
    return s;
  }
};

}  // namespace

const Tensor* Checkpoint::find(const std::string& name) const {
  for (const auto& t : tensors)
    if (t.first == name) return &t.second;
  return nullptr;
}

std::vector<NamedTensor> Checkpoint::with_prefix(const std::string& prefix) const {
  std::vector<NamedTensor> out;
  for (const auto& t : tensors)
    if (t.first.compare(0, prefix.size(), prefix) == 0)
      out.emplace_back(t.first.substr(prefix.size()), t.second);
  return out;
}

void Checkpoint::add(const std::string& prefix, const std::vector<NamedTensor>& entries) {
  for (const auto& e : entries) tensors.emplace_back(prefix + e.first, e.second.clone());
}

void save_checkpoint(const std::string& path, const Checkpoint& ck) {
  Writer w;
  w.out.append(kMagic, 8);
  w.u32(kVersion);
  w.u32(static_cast<uint32_t>(ck.tensors.size()));
  w.u32(static_cast<uint32_t>(ck.meta.size()));
  for (const auto& [name, t] : ck.tensors) {
    w.str(name);
    w.u32(static_cast<uint32_t>(t.dim()));
    for (int d : t.shape()) w.u32(static_cast<uint32_t>(d));
    w.out.push_back(static_cast<char>(sizeof(real)));
    w.out.append(reinterpret_cast<const char*>(t.data()), sizeof(real) * t.numel());
  }
  for (const auto& [k, v] : ck.meta) {
    w.str(k);
    w.str(v);
  }
  const uint32_t crc = static_cast<uint32_t>(
      crc32(0, reinterpret_cast<const Bytef*>(w.out.data()), static_cast<uInt>(w.out.size())));
  w.u32(crc);
  write_file_atomic(path, w.out.data(), w.out.size());
}

Checkpoint load_checkpoint(const std::string& path) {
  const std::vector<uint8_t> bytes = read_file_capped(path, kMaxCheckpointBytes);
  if (bytes.size() < 8 + 12 + 4 || std::memcmp(bytes.data(), kMagic, 8) != 0)
    throw Error(path + ": not a facegrad checkpoint (expected the magic \"FGCKPT01\" at byte 0)");
  const size_t end = bytes.size() - 4;
  uint32_t stored;
  std::memcpy(&stored, bytes.data() + end, 4);
  const uint32_t crc =
      static_cast<uint32_t>(crc32(0, bytes.data(), static_cast<uInt>(end)));
  if (crc != stored)
    throw Error(path + ": checkpoint is damaged or truncated (checksum mismatch over " +
                std::to_string(end) + " bytes)");
  Reader r{bytes, end, path};
  r.pos = 8;
  const uint32_t version = r.u32("the version");
  if (version != kVersion)
    r.fail("version " + std::to_string(version) + " is not supported (expected " +
           std::to_string(kVersion) + ")");
  const uint32_t count = r.u32("the tensor count"), nmeta = r.u32("the metadata count");
  Checkpoint ck;
  std::set<std::string> names;
  for (uint32_t i = 0; i < count; ++i) {
    std::string name = r.str("a tensor name");
    if (!names.insert(name).second) r.fail("tensor '" + name + "' appears twice");
    const uint32_t rank = r.u32("a rank");
    if (rank > 8) r.fail("tensor '" + name + "' has rank " + std::to_string(rank) + " (at most 8)");
    Shape shape;
    int64_t numel = 1;
    for (uint32_t k = 0; k < rank; ++k) {
      const uint32_t d = r.u32("a dimension");
      if (d > (1u << 30)) r.fail("tensor '" + name + "' has dimension " + std::to_string(d));
      shape.push_back(static_cast<int>(d));
      numel *= d;
      if (numel > kMaxCheckpointBytes) r.fail("tensor '" + name + "' is impossibly large");
    }
    r.need(1, "the scalar size");
    const int scalar = r.bytes[r.pos++];
    if (scalar != 4 && scalar != 8)
      r.fail("tensor '" + name + "' has scalar size " + std::to_string(scalar) + " (4 or 8)");
    r.need(size_t(numel) * scalar, "tensor values");
    Tensor t(shape);
    const uint8_t* src = r.bytes.data() + r.pos;
    for (int64_t j = 0; j < numel; ++j) {
      if (scalar == 4) {
        float v;
        std::memcpy(&v, src + 4 * j, 4);
        t[j] = static_cast<real>(v);
      } else {
        double v;
        std::memcpy(&v, src + 8 * j, 8);
        t[j] = static_cast<real>(v);
      }
    }
    r.pos += size_t(numel) * scalar;
    ck.tensors.emplace_back(std::move(name), std::move(t));
  }
  for (uint32_t i = 0; i < nmeta; ++i) {
    std::string k = r.str("a metadata key");
    ck.meta[k] = r.str("a metadata value");
  }
  if (r.pos != end) r.fail(std::to_string(end - r.pos) + " unexpected bytes after the last entry");
  return ck;
}

void restore_tensors(const std::vector<NamedTensor>& from, const std::vector<NamedTensor>& into,
                     const std::string& what, const std::string& path) {
  std::set<std::string> used;
  for (const auto& [name, dst] : into) {
    const Tensor* src = nullptr;
    for (const auto& f : from)
      if (f.first == name) src = &f.second;
    if (!src) throw Error(path + ": " + what + " '" + name + "' is missing from the checkpoint");
    if (src->shape() != dst.shape())
      throw Error(path + ": " + what + " '" + name + "' has shape " + shape_str(src->shape()) +
                  " in the checkpoint but " + shape_str(dst.shape()) + " in the model");
    Tensor target = dst;  // shares storage: the copy lands in the model
    std::memcpy(target.data(), src->data(), sizeof(real) * src->numel());
    used.insert(name);
  }
  for (const auto& f : from)
    if (!used.count(f.first))
      throw Error(path + ": the checkpoint has " + what + " '" + f.first +
                  "' that the model does not have");
}

}  // namespace fg
