// IDX files (plain and gzip, valid and broken), MNIST-style directories and
// Fashion-MNIST.
#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>

#include "core/data/idx.hpp"
#include "tests/data_test_util.hpp"

using namespace fg;
using Catch::Matchers::Contains;
using Bytes = std::vector<unsigned char>;
using fg_test::TempDir;
using fg_test::write_raw;

namespace {

// The header of an unsigned-byte IDX file with the given sizes, written out by hand.
Bytes idx_header(const std::vector<uint32_t>& dims, unsigned char type = 0x08) {
  Bytes b = {0, 0, type, static_cast<unsigned char>(dims.size())};
  for (uint32_t d : dims) {
    b.push_back(d >> 24);
    b.push_back((d >> 16) & 0xff);
    b.push_back((d >> 8) & 0xff);
    b.push_back(d & 0xff);
  }
  return b;
}

Bytes with_payload(Bytes b, size_t n) {
  for (size_t i = 0; i < n; ++i) b.push_back(static_cast<unsigned char>(i * 7));
  return b;
}

// The file name must appear in the message, together with what went wrong,
// and the error must be an fg::Error (anything else escapes and fails the test).
void check_rejected(const std::string& path, const std::string& what, bool images = true) {
  INFO("file " << path << ", expecting '" << what << "'");
  try {
    if (images) load_idx_images(path);
    else load_idx_labels(path);
    FAIL("no error");
  } catch (const Error& e) {
    CHECK_THAT(std::string(e.what()), Contains(path) && Contains(what));
  }
}

}  // namespace

TEST_CASE("IDX round trip, plain and gzip", "[data]") {
  TempDir dir;
  Tensor images({3, 1, 4, 5});
  for (int64_t i = 0; i < images.numel(); ++i) images[i] = real(i * 4 % 256) / real(255);
  const std::vector<int> labels = {7, 0, 255};
  for (bool gz : {false, true}) {
    const std::string ip = dir.file(gz ? "img.gz" : "img"), lp = dir.file(gz ? "lab.gz" : "lab");
    write_idx_images(ip, images, gz);
    write_idx_labels(lp, labels, gz);
    const Bytes raw = fg_test::read_raw(ip);
    REQUIRE(raw.size() > 2);
    CHECK((raw[0] == 0x1f && raw[1] == 0x8b) == gz);
    if (!gz) CHECK(raw.size() == 4 + 3 * 4 + 60);

    const Tensor back = load_idx_images(ip);
    REQUIRE(back.shape() == Shape{3, 1, 4, 5});
    for (int64_t i = 0; i < back.numel(); ++i) REQUIRE(back[i] == images[i]);
    CHECK(load_idx_labels(lp) == labels);

    const IdxArray a = read_idx(ip);
    CHECK(a.dims == std::vector<int>{3, 4, 5});
    CHECK(a.data[5] == 20);
  }
  // No temporary file is left beside the written ones.
  int files = 0;
  for (auto& e : std::filesystem::directory_iterator(dir.path)) files += e.is_regular_file();
  CHECK(files == 4);
}

TEST_CASE("IDX reader rejects broken files with the file name and the reason", "[data]") {
  TempDir dir;
  auto plain = [&](const std::string& name, const Bytes& b) {
    write_raw(dir.file(name), b);
    return dir.file(name);
  };
  auto gz = [&](const std::string& name, const Bytes& b) {
    write_file_bytes(dir.file(name), std::vector<uint8_t>(b.begin(), b.end()), true);
    return dir.file(name);
  };

  check_rejected(plain("empty", {}), "empty file");
  check_rejected(plain("magic", with_payload({0x08, 0x03, 0, 0, 0, 0, 0, 1}, 4)), "bad magic number");
  check_rejected(plain("float", with_payload(idx_header({1, 2, 2}, 0x0D), 16)), "0x0d (float)");
  check_rejected(plain("zero", with_payload(idx_header({2, 0, 3}), 6)), "is 0: expected a positive size");
  check_rejected(plain("short_header", Bytes{0, 0, 8, 3, 0, 0}), "truncated at byte 4");
  check_rejected(plain("three_bytes", Bytes{0, 0, 8}), "truncated at byte 3");
  check_rejected(plain("ndims", with_payload(idx_header({4}), 4)), "1 dimensions at byte 3: expected 3");
  check_rejected(plain("labels_as_3d", with_payload(idx_header({1, 2, 2}), 4)), "expected 1", false);
  // Sizes far beyond the file: refused from the header, before any allocation.
  check_rejected(plain("huge", with_payload(idx_header({60000, 28, 28}), 10)),
                 "truncated at byte 26: expected 47040000 bytes of pixels (60000 x 28 x 28), got 10");
  check_rejected(plain("absurd", idx_header({0x7fffffff, 0x7fffffff, 0x7fffffff})), "announce more than");
  check_rejected(plain("truncated", with_payload(idx_header({2, 3, 3}), 17)), "expected 18 bytes of pixels");
  check_rejected(plain("extra", with_payload(idx_header({2, 3, 3}), 19)), "extra data after byte 34");

  // Compressed versions of the same faults.
  check_rejected(gz("gz_truncated.gz", with_payload(idx_header({2, 3, 3}), 5)),
                 "truncated at byte 21: expected 18 bytes of pixels (2 x 3 x 3), got 5");
  check_rejected(gz("gz_extra.gz", with_payload(idx_header({2, 3, 3}), 30)), "extra data");
  check_rejected(gz("gz_magic.gz", with_payload({1, 2, 3, 4}, 30)), "bad magic number");
  check_rejected(gz("gz_empty.gz", {}), "truncated at byte 0");
  // A tiny gzip file cannot hold 470 MB: refused before allocating.
  check_rejected(gz("gz_bomb.gz", with_payload(idx_header({600000, 28, 28}), 3)),
                 "more than a gzip file");

  // Not really gzip data behind the gzip magic.
  check_rejected(plain("fake.gz", Bytes{0x1f, 0x8b, 0x08, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}),
                 "corrupt gzip data");
  check_rejected(plain("fake2.gz", Bytes{0x1f, 0x8b, 'n', 'o', 't', ' ', 'g', 'z', 'i', 'p'}),
                 "corrupt gzip data");

  // A real gzip file cut short, or with its checksum damaged.
  const std::string good = gz("good.gz", with_payload(idx_header({4, 10, 10}), 400));
  Bytes bytes = fg_test::read_raw(good);
  REQUIRE(bytes.size() > 30);
  check_rejected(plain("cut.gz", Bytes(bytes.begin(), bytes.begin() + bytes.size() / 2)),
                 "compressed file ends early");
  check_rejected(plain("cut_trailer.gz", Bytes(bytes.begin(), bytes.end() - 4)),
                 "compressed file ends early");
  Bytes bad_crc = bytes;
  bad_crc[bad_crc.size() - 6] ^= 0x55;
  check_rejected(plain("crc.gz", bad_crc), "corrupt gzip data");
  Bytes trailing = bytes;
  trailing.insert(trailing.end(), {'x', 'y', 'z'});
  check_rejected(plain("trailing.gz", trailing), "trailing garbage");

  // Two concatenated members are one valid stream.
  const Bytes whole = with_payload(idx_header({4, 10, 10}), 400);
  const std::string part1 = gz("m1.gz", Bytes(whole.begin(), whole.begin() + 100));
  const std::string part2 = gz("m2.gz", Bytes(whole.begin() + 100, whole.end()));
  Bytes cat = fg_test::read_raw(part1), tail = fg_test::read_raw(part2);
  cat.insert(cat.end(), tail.begin(), tail.end());
  const Tensor t = load_idx_images(plain("members.gz", cat));
  CHECK(t.shape() == Shape{4, 1, 10, 10});
  CHECK(t[399] == real(whole.back()) / real(255));

  check_rejected(dir.file("missing"), "cannot open");
  check_rejected(dir.path.string(), "not a regular file");
}

TEST_CASE("MNIST-style directories check that images and labels agree", "[data]") {
  TempDir dir;
  Tensor images({4, 1, 3, 3}, real(0.5));
  write_idx_images(dir.file("train-images-idx3-ubyte.gz"), images, true);
  write_idx_labels(dir.file("train-labels-idx1-ubyte"), {1, 2, 3, 9});
  const Dataset d = load_mnist_dir(dir.path.string(), true);
  CHECK(d.size() == 4);
  CHECK(d.images.shape() == Shape{4, 1, 3, 3});
  CHECK(d.num_classes() == 10);
  CHECK(d.labels == std::vector<int>{1, 2, 3, 9});
  CHECK(std::abs(d.images[0] - real(128) / real(255)) < 1e-6);  // 0.5 * 255 rounds to 128

  // The test split is missing.
  REQUIRE_THROWS_WITH(load_mnist_dir(dir.path.string(), false),
                      Contains(dir.path.string()) && Contains("t10k-images-idx3-ubyte.gz"));
  // A label that is not a digit.
  write_idx_labels(dir.file("train-labels-idx1-ubyte"), {1, 2, 10, 9});
  REQUIRE_THROWS_WITH(load_mnist_dir(dir.path.string()), Contains("label 10 at byte 10"));
  // Counts that disagree.
  write_idx_labels(dir.file("train-labels-idx1-ubyte"), {1, 2, 3});
  REQUIRE_THROWS_WITH(load_mnist_dir(dir.path.string()), Contains("4 images") && Contains("3 labels"));
  REQUIRE_THROWS_WITH(load_mnist_dir(dir.file("nowhere")), Contains("nowhere"));
}

TEST_CASE("Fashion-MNIST loads with its class names", "[data]") {
  if (!fashion_mnist_available()) {
    WARN("Fashion-MNIST not installed in " << kFashionMnistDir << " (Debian dataset-fashion-mnist); skipped");
    return;
  }
  const Dataset test = load_fashion_mnist(false);
  const Dataset train = load_fashion_mnist(true);
  REQUIRE(train.images.shape() == Shape{60000, 1, 28, 28});
  REQUIRE(test.images.shape() == Shape{10000, 1, 28, 28});
  CHECK(train.class_names[0] == "T-shirt/top");
  CHECK(train.class_names[9] == "Ankle boot");
  check_dataset(train);
  check_dataset(test);
  // The published split is balanced: 6000 and 1000 images per class.
  CHECK(class_counts(train.labels, 10) == std::vector<int>(10, 6000));
  CHECK(class_counts(test.labels, 10) == std::vector<int>(10, 1000));
  // The commonly quoted training-set pixel mean of Fashion-MNIST is 0.2860.
  double sum = 0;
  for (int64_t i = 0; i < train.images.numel(); ++i) sum += train.images[i];
  CHECK(sum / double(train.images.numel()) == Approx(0.2860).margin(0.001));
}
