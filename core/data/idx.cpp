#include "core/data/idx.hpp"

#include <zlib.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "core/data/file_util.hpp"

namespace fg {

namespace {

const char* type_name(int t) {
  switch (t) {
    case 0x08: return "unsigned byte";
    case 0x09: return "signed byte";
    case 0x0B: return "short";
    case 0x0C: return "int";
    case 0x0D: return "float";
    case 0x0E: return "double";
    default: return "unknown type";
  }
}

std::string hex2(int v) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "0x%02x", v & 0xff);
  return buf;
}

// A stream of bytes, plain or gzip-compressed, read from memory. read()
// returns fewer bytes than asked only at the end of the data; it throws
// fg::Error on corrupt compressed data.
class ByteSource {
 public:
  ByteSource(const uint8_t* bytes, size_t n, const std::string& name)
      : in_(bytes), n_(n), name_(name), gzip_(n >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b) {
    if (!gzip_) return;
    std::memset(&zs_, 0, sizeof zs_);
    if (inflateInit2(&zs_, 15 + 16) != Z_OK) throw Error(name_ + ": cannot start gzip decoder");
    zs_.next_in = const_cast<Bytef*>(in_);
    zs_.avail_in = static_cast<uInt>(n_);
  }
  ~ByteSource() {
    if (gzip_) inflateEnd(&zs_);
  }
  ByteSource(const ByteSource&) = delete;
  ByteSource& operator=(const ByteSource&) = delete;

  bool gzip() const { return gzip_; }
  size_t compressed_size() const { return n_; }
  int64_t position() const { return pos_; }  // bytes delivered so far
  // Why the data ended (for messages), empty while it has not.
  const std::string& end_reason() const { return end_reason_; }

  size_t read(uint8_t* dst, size_t want) {
    size_t got = gzip_ ? read_gzip(dst, want) : read_plain(dst, want);
    pos_ += static_cast<int64_t>(got);
    return got;
  }

 private:
  size_t read_plain(uint8_t* dst, size_t want) {
    const size_t left = n_ - plain_pos_;
    const size_t got = want < left ? want : left;
    if (got) std::memcpy(dst, in_ + plain_pos_, got);
    plain_pos_ += got;
    return got;
  }

  size_t consumed() const { return n_ - zs_.avail_in; }

  size_t read_gzip(uint8_t* dst, size_t want) {
    size_t got = 0;
    while (got < want && !finished_) {
      zs_.next_out = dst + got;
      const size_t room = want - got;
      zs_.avail_out = static_cast<uInt>(room < (size_t(1) << 30) ? room : (size_t(1) << 30));
      const uInt in_before = zs_.avail_in, out_before = zs_.avail_out;
      const int rc = inflate(&zs_, Z_NO_FLUSH);
      got += out_before - zs_.avail_out;
      if (rc == Z_STREAM_END) {
        // Another gzip member may follow (as `cat a.gz b.gz` makes); anything else is an error.
        if (zs_.avail_in == 0) {
          finished_ = true;
          end_reason_ = "the gzip stream ended";
        } else if (zs_.avail_in >= 2 && zs_.next_in[0] == 0x1f && zs_.next_in[1] == 0x8b) {
          inflateReset(&zs_);
        } else {
          throw Error(name_ + ": " + std::to_string(zs_.avail_in) +
                      " bytes of trailing garbage after the gzip stream at compressed byte " +
                      std::to_string(consumed()) + ": expected end of file or another gzip member");
        }
      } else if (rc == Z_DATA_ERROR || rc == Z_NEED_DICT || rc == Z_STREAM_ERROR) {
        throw Error(name_ + ": corrupt gzip data near compressed byte " +
                    std::to_string(consumed()) + ": " +
                    (zs_.msg ? zs_.msg : "invalid deflate stream") +
                    " (expected a valid gzip file)");
      } else if (rc == Z_MEM_ERROR) {
        throw Error(name_ + ": out of memory while decompressing");
      } else if (zs_.avail_in == 0 && zs_.avail_out > 0) {
        // Z_OK or Z_BUF_ERROR with all input used and room left: the compressed data stops early.
        finished_ = true;
        end_reason_ = "the compressed file ends early (at compressed byte " +
                      std::to_string(consumed()) + ", before the end of its gzip stream)";
      } else if (rc != Z_OK || (zs_.avail_in == in_before && zs_.avail_out == out_before)) {
        throw Error(name_ + ": gzip decoder made no progress at compressed byte " +
                    std::to_string(consumed()));
      }
    }
    return got;
  }

  const uint8_t* in_;
  size_t n_;
  std::string name_;
  bool gzip_;
  z_stream zs_;
  size_t plain_pos_ = 0;
  int64_t pos_ = 0;
  bool finished_ = false;
  std::string end_reason_;
};

std::string ended(const ByteSource& src) {
  return src.end_reason().empty() ? "" : " (" + src.end_reason() + ")";
}

uint32_t be32(const uint8_t* p) {
  return (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | uint32_t(p[3]);
}

}  // namespace

IdxArray parse_idx(const uint8_t* bytes, size_t n, const std::string& name, int want_ndims,
                   const char* what, int64_t max_bytes) {
  if (n == 0) throw Error(name + ": empty file: expected an IDX header (4-byte magic number)");
  if (uint64_t(n) > 0xffffffffu)
    throw Error(name + ": " + std::to_string(n) + " bytes: expected a file below 4 GiB");
  ByteSource src(bytes, n, name);

  uint8_t magic[4];
  const size_t got = src.read(magic, 4);
  if (got < 4)
    throw Error(name + ": truncated at byte " + std::to_string(got) +
                ": expected a 4-byte IDX magic number, got " + std::to_string(got) + ended(src));
  if (magic[0] != 0 || magic[1] != 0)
    throw Error(name + ": bad magic number " + hex2(magic[0]) + " " + hex2(magic[1]) + " " +
                hex2(magic[2]) + " " + hex2(magic[3]) +
                " at byte 0: expected an IDX file (0x00 0x00 type ndims)");
  if (magic[2] != 0x08)
    throw Error(name + ": element type " + hex2(magic[2]) + " (" + type_name(magic[2]) +
                ") at byte 2: expected 0x08 (unsigned byte)");
  const int ndims = magic[3];
  if (ndims == 0) throw Error(name + ": 0 dimensions at byte 3: expected at least 1");
  if (want_ndims > 0 && ndims != want_ndims)
    throw Error(name + ": " + std::to_string(ndims) + " dimensions at byte 3: expected " +
                std::to_string(want_ndims) + " for " + what);

  IdxArray out;
  int64_t count = 1;
  std::string dims_text;
  for (int d = 0; d < ndims; ++d) {
    uint8_t b[4];
    const int64_t at = src.position();
    if (src.read(b, 4) < 4)
      throw Error(name + ": truncated at byte " + std::to_string(at) + ": expected size " +
                  std::to_string(d + 1) + " of " + std::to_string(ndims) + " (4 bytes)" +
                  ended(src));
    const uint32_t v = be32(b);
    if (v == 0 || v > 0x7fffffffu)
      throw Error(name + ": size " + std::to_string(d + 1) + " at byte " + std::to_string(at) +
                  " is " + std::to_string(v) + ": expected a positive size below 2^31");
    if (int64_t(v) > max_bytes / count)
      throw Error(name + ": sizes at bytes 4.." + std::to_string(at + 3) + " announce more than " +
                  std::to_string(max_bytes) + " bytes of " + what + ": expected at most that");
    count *= v;
    out.dims.push_back(static_cast<int>(v));
    dims_text += (d ? " x " : "") + std::to_string(v);
  }
  const int64_t header = src.position();

  // Check the announced size against what the file can hold before allocating.
  if (!src.gzip() && int64_t(n) - header < count)
    throw Error(name + ": truncated at byte " + std::to_string(n) + ": expected " +
                std::to_string(count) + " bytes of " + what + " (" + dims_text + "), got " +
                std::to_string(int64_t(n) - header));
  // Deflate expands at most about 1032:1, so a gzip file of n bytes holds
  // at most this much; a larger announcement is corrupt.
  const int64_t gz_limit = 1040 * int64_t(n) + 4096;
  if (src.gzip() && header + count > gz_limit)
    throw Error(name + ": header announces " + std::to_string(count) + " bytes of " + what + " (" +
                dims_text + "), more than a gzip file of " + std::to_string(n) +
                " bytes can hold: expected a smaller size or a longer file");

  out.data.resize(static_cast<size_t>(count));
  const size_t payload = src.read(out.data.data(), out.data.size());
  if (int64_t(payload) < count)
    throw Error(name + ": truncated at byte " + std::to_string(src.position()) + ": expected " +
                std::to_string(count) + " bytes of " + what + " (" + dims_text + "), got " +
                std::to_string(payload) + ended(src));
  uint8_t extra;
  if (src.read(&extra, 1) > 0)
    throw Error(name + ": extra data after byte " + std::to_string(header + count) +
                ": expected the file to end after " + std::to_string(count) + " bytes of " + what +
                " (" + dims_text + ")");
  if (src.gzip() && src.end_reason() != "the gzip stream ended")
    throw Error(name + ": " + src.end_reason() + ": expected a gzip trailer after the " +
                std::to_string(header + count) + " bytes of data");
  return out;
}

IdxArray read_idx(const std::string& path, int want_ndims, const char* what, int64_t max_bytes) {
  // A compressed file may be at most max_bytes too: it decompresses to more.
  const std::vector<uint8_t> bytes = read_file_capped(path, max_bytes + 4 + 4 * 255);
  return parse_idx(bytes.data(), bytes.size(), path, want_ndims, what, max_bytes);
}

Tensor load_idx_images(const std::string& path) {
  IdxArray a = read_idx(path, 3, "pixels");
  Tensor t({a.dims[0], 1, a.dims[1], a.dims[2]});
  real* p = t.data();
  const int64_t n = t.numel();
#pragma omp parallel for schedule(static) if (n > (1 << 20))
  for (int64_t i = 0; i < n; ++i) p[i] = real(a.data[i]) / real(255);
  return t;
}

std::vector<int> load_idx_labels(const std::string& path) {
  IdxArray a = read_idx(path, 1, "labels");
  return std::vector<int>(a.data.begin(), a.data.end());
}

namespace {

std::string find_mnist_file(const std::string& dir, const std::string& stem,
                            const std::string& idx) {
  namespace fs = std::filesystem;
  std::string tried;
  for (const std::string sep : {"-", "."}) {
    for (const std::string ext : {"", ".gz"}) {
      const std::string name = stem + sep + idx + "-ubyte" + ext;
      std::error_code ec;
      if (fs::is_regular_file(fs::path(dir) / name, ec)) return (fs::path(dir) / name).string();
      tried += (tried.empty() ? "" : ", ") + name;
    }
  }
  throw Error(dir + ": no " + stem + " file found: expected one of " + tried);
}

}  // namespace

Dataset load_mnist_dir(const std::string& dir, bool train) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec))
    throw Error(dir + ": not a directory: expected a directory holding the four MNIST IDX files");
  const std::string prefix = train ? "train" : "t10k";
  const std::string img_path = find_mnist_file(dir, prefix + "-images", "idx3");
  const std::string lab_path = find_mnist_file(dir, prefix + "-labels", "idx1");
  Dataset d;
  d.images = load_idx_images(img_path);
  d.labels = load_idx_labels(lab_path);
  if (d.images.size(0) != d.size())
    throw Error(img_path + " holds " + std::to_string(d.images.size(0)) + " images but " +
                lab_path + " holds " + std::to_string(d.size()) + " labels: expected equal counts");
  for (int i = 0; i < d.size(); ++i)
    if (d.labels[i] >= 10)
      throw Error(lab_path + ": label " + std::to_string(d.labels[i]) + " at byte " +
                  std::to_string(8 + i) + ": expected a digit class 0..9");
  for (int c = 0; c < 10; ++c) d.class_names.push_back(std::to_string(c));
  d.name = dir + " (" + (train ? "train" : "test") + ")";
  return d;
}

const char* const kFashionMnistDir = "/usr/share/datasets/fashion-mnist";

const std::vector<std::string>& fashion_mnist_class_names() {
  static const std::vector<std::string> names = {"T-shirt/top", "Trouser", "Pullover", "Dress",
                                                 "Coat",        "Sandal",  "Shirt",    "Sneaker",
                                                 "Bag",         "Ankle boot"};
  return names;
}

bool fashion_mnist_available(const std::string& dir) {
  try {
    find_mnist_file(dir, "train-images", "idx3");
    find_mnist_file(dir, "train-labels", "idx1");
    find_mnist_file(dir, "t10k-images", "idx3");
    find_mnist_file(dir, "t10k-labels", "idx1");
    return true;
  } catch (const Error&) {
    return false;
  }
}

Dataset load_fashion_mnist(bool train, const std::string& dir) {
  Dataset d = load_mnist_dir(dir, train);
  d.class_names = fashion_mnist_class_names();
  d.name = std::string("fashion-mnist ") + (train ? "train" : "test");
  return d;
}

void write_idx(const std::string& path, const std::vector<int>& dims,
               const std::vector<uint8_t>& data, bool gzip) {
  if (dims.empty() || dims.size() > 255)
    throw Error("write_idx " + path + ": expected 1 to 255 dimensions, got " +
                std::to_string(dims.size()));
  int64_t count = 1;
  for (int d : dims) {
    if (d <= 0) throw Error("write_idx " + path + ": sizes must be positive, got " + shape_str(dims));
    count *= d;
    if (count > kIdxMaxBytes) throw Error("write_idx " + path + ": more than kIdxMaxBytes elements");
  }
  if (count != int64_t(data.size()))
    throw Error("write_idx " + path + ": sizes " + shape_str(dims) + " hold " +
                std::to_string(count) + " bytes, got " + std::to_string(data.size()));
  std::vector<uint8_t> bytes = {0, 0, 0x08, static_cast<uint8_t>(dims.size())};
  for (int d : dims)
    for (int s = 24; s >= 0; s -= 8) bytes.push_back(static_cast<uint8_t>((uint32_t(d) >> s) & 0xff));
  bytes.insert(bytes.end(), data.begin(), data.end());
  write_file_bytes(path, bytes, gzip);
}

void write_idx_images(const std::string& path, const Tensor& images, bool gzip) {
  Shape s = images.shape();
  if (s.size() == 4 && s[1] == 1) s = {s[0], s[2], s[3]};
  if (s.size() != 3)
    throw Error("write_idx_images " + path + ": expected N x 1 x H x W or N x H x W images, got " +
                shape_str(images.shape()));
  std::vector<uint8_t> data(static_cast<size_t>(images.numel()));
  for (int64_t i = 0; i < images.numel(); ++i) {
    const real v = images[i] * real(255) + real(0.5);
    data[i] = static_cast<uint8_t>(v <= 0 ? 0 : v >= 255 ? 255 : v);  // NaN maps to 0 too
  }
  write_idx(path, s, data, gzip);
}

void write_idx_labels(const std::string& path, const std::vector<int>& labels, bool gzip) {
  std::vector<uint8_t> data;
  data.reserve(labels.size());
  for (int y : labels) {
    if (y < 0 || y > 255)
      throw Error("write_idx_labels " + path + ": label " + std::to_string(y) +
                  " does not fit an unsigned byte");
    data.push_back(static_cast<uint8_t>(y));
  }
  write_idx(path, {static_cast<int>(labels.size())}, data, gzip);
}

void write_file_bytes(const std::string& path, const std::vector<uint8_t>& bytes, bool gzip) {
  if (!gzip) {
    write_file_atomic(path, bytes.data(), bytes.size());
    return;
  }
  z_stream zs;
  std::memset(&zs, 0, sizeof zs);
  if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    throw Error(path + ": cannot start gzip encoder");
  std::vector<uint8_t> out(deflateBound(&zs, static_cast<uLong>(bytes.size())) + 64);
  zs.next_in = const_cast<Bytef*>(bytes.data());
  zs.avail_in = static_cast<uInt>(bytes.size());
  zs.next_out = out.data();
  zs.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&zs, Z_FINISH);
  const size_t produced = out.size() - zs.avail_out;
  deflateEnd(&zs);
  if (rc != Z_STREAM_END) throw Error(path + ": gzip compression failed");
  write_file_atomic(path, out.data(), produced);
}

}  // namespace fg
