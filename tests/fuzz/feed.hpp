// One input through one reader, the way each fuzz target feeds it, shared by
// the libFuzzer targets (tests/fuzz/fuzz_<target>.cpp) and the suite that
// replays their corpora and regression inputs (tests/test_fuzz_regressions.cpp).
//
// Each feed_* returns normally when the reader accepted the input, lets the
// reader's fg::Error through when it refused it (both correct outcomes), and
// throws Broken when the reader accepted the input but broke a promise its
// header makes (sizes that do not add up, a NaN pixel, a non-finite loss).
// Anything else that escapes, or any crash, is a finding.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/data/checkpoint.hpp"
#include "core/data/csv.hpp"
#include "core/graph.hpp"
#include "core/data/idx.hpp"
#include "core/data/image_folder.hpp"
#include "core/random.hpp"
#include "losses/objective.hpp"
#include "losses/params.hpp"

namespace fg_fuzz {

struct Broken : std::logic_error {
  explicit Broken(const std::string& what) : std::logic_error("reader broke a promise: " + what) {}
};

inline void promise(bool kept, const char* what) {
  if (!kept) throw Broken(what);
}

// IDX from memory. The last byte also picks the number of dimensions the
// caller asks for (0 = any, 1 = labels, 3 = images), as the loaders do.
inline void feed_idx(const uint8_t* data, size_t size) {
  static const int kWant[4] = {0, 1, 3, 0};
  const int want = size ? kWant[data[size - 1] & 3] : 0;
  const fg::IdxArray a = fg::parse_idx(data, size, "fuzz.idx", want, "data");
  int64_t count = 1;
  for (int d : a.dims) {
    promise(d > 0, "idx: a size is not positive");
    count *= d;
  }
  promise(!a.dims.empty() && count == int64_t(a.data.size()), "idx: sizes and payload disagree");
  promise(want == 0 || int(a.dims.size()) == want, "idx: wrong number of dimensions accepted");
}

// One image from memory, decoded and resized as the image-folder loader does.
// The input's length picks grayscale or RGB and the output size, so both
// enlarging and block-averaged shrinking are reached. Images are capped at
// 2^20 pixels instead of the loader's 2^25: a few-byte JPEG header can
// announce 32 million pixels, and once the search finds such headers,
// decoding them under the sanitizers slows it several-fold. The cap takes
// the same code path with a smaller number (the allocation limit scales
// with the image).
inline fg::Tensor feed_image(const uint8_t* data, size_t size) {
  const bool rgb = size & 1;
  const int height = (size & 2) ? 28 : 7, width = (size & 4) ? 28 : 5;
  const fg::Tensor img =
      fg::decode_image(data, size, "fuzz.img", height, width, rgb, int64_t(1) << 20);
  promise(img.shape() == fg::Shape{rgb ? 3 : 1, height, width}, "image: wrong output shape");
  for (int64_t i = 0; i < img.numel(); ++i)
    promise(img[i] >= 0 && img[i] <= 1.000001, "image: a pixel outside [0, 1] or NaN");
  return img;
}

// A CSV file for losscalc, then the table as a tensor and as integers (the
// feed returns normally when read_csv accepted the file).
inline void feed_csv(const std::string& path) {
  const fg::CsvTable t = fg::read_csv(path);
  if (std::FILE* f = std::fopen(path.c_str(), "rb")) {  // a NUL is never part of a number
    int c;
    while ((c = std::fgetc(f)) != EOF && c != 0) {
    }
    std::fclose(f);
    promise(c == EOF, "csv: a file with a NUL byte accepted (the rest of its field ignored)");
  }
  promise(t.rows >= 1 && t.cols >= 1 && t.values.size() == size_t(t.rows) * t.cols,
          "csv: rows x cols and the values disagree");
  for (double v : t.values) promise(std::isfinite(v), "csv: a non-finite value accepted");
  const fg::Tensor x = fg::csv_tensor(t);
  promise(x.numel() == int64_t(t.values.size()), "csv: tensor size");
  for (int64_t i = 0; i < x.numel(); ++i)  // a finite number must not turn into inf on the way
    promise(std::isfinite(double(x[i])), "csv: a value beyond the scalar type's range became inf");
  try {
    fg::csv_integers(t);  // as labels or triplets; a table of fractions is refused
  } catch (const fg::Error&) {
  }
}

// A checkpoint file.
inline void feed_checkpoint(const std::string& path) {
  const fg::Checkpoint ck = fg::load_checkpoint(path);
  for (const auto& entry : ck.tensors)
    promise(ck.find(entry.first) == &entry.second, "checkpoint: a tensor name twice");
  ck.with_prefix("model/");
}

// An objective: the string on the first line, then one key=value per line as
// given on a command line ("center.alpha_c=0.5"). Parsed; then built for
// K = 4 classes in N = 3 dimensions and, when it builds, run forward and
// backward twice on a fixed batch of six embeddings through its schedule
// hooks. Value and gradients must be finite: a non-finite result from
// accepted parameters is the silent NaN the house rules forbid.
inline void feed_objective(const uint8_t* data, size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  const size_t nl = input.find('\n');
  const std::string text = input.substr(0, nl);
  std::vector<std::string> words;
  for (size_t at = nl; at != std::string::npos && at < input.size();) {
    const size_t next = input.find('\n', at + 1);
    words.push_back(input.substr(at + 1, next == std::string::npos ? next : next - at - 1));
    at = next;
  }
  try {
    for (const fg::TermSpec& t : fg::parse_objective(text))
      promise(!t.name.empty() && t.weight > 0 && t.begin <= t.end && t.end <= text.size(),
              "objective: a parsed term out of bounds");
  } catch (const fg::Error&) {
    // Refused by the parser; make_objective below must refuse it too.
  }
  const fg::LossParams extra = fg::parse_key_values(words);
  std::unique_ptr<fg::Objective> obj = fg::make_objective(text, fg::LossContext{4, 3, 1}, extra);
  obj->describe();
  fg::Rng rng(7);
  const fg::Var h = fg::param(fg::Tensor::uniform({6, 3}, rng, -2, 2));
  const std::vector<int> y = {0, 1, 2, 3, 0, 1};
  auto finite = [](const fg::Tensor& t) {
    for (int64_t i = 0; i < t.numel(); ++i)
      if (!std::isfinite(double(t[i]))) return false;
    return true;
  };
  for (int64_t step = 0; step < 2; ++step) {
    obj->set_iteration(step * 1000);
    const std::vector<fg::NamedVar> params = obj->parameters();
    const fg::Var loss = obj->forward({h, y});
    promise(loss.value().numel() == 1, "objective: the loss is not one number");
    promise(std::isfinite(double(loss.value()[0])), "objective: non-finite loss");
    fg::backward(loss);
    promise(finite(h.grad()), "objective: non-finite gradient of h");
    for (const fg::NamedVar& p : params)
      promise(!p.second.requires_grad() || finite(p.second.grad()),
              "objective: non-finite gradient of a parameter");
    obj->after_step();
    h.grad() = fg::Tensor();
  }
}

}  // namespace fg_fuzz
