#include "core/tensor.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <ostream>
#include <sstream>

#include "core/random.hpp"

namespace fg {

std::string shape_str(const Shape& s) {
  std::string out = "[";
  for (size_t i = 0; i < s.size(); ++i) out += (i ? ", " : "") + std::to_string(s[i]);
  return out + "]";
}

int64_t shape_numel(const Shape& s) {
  int64_t n = 1;
  for (int d : s) {
    if (d < 0) throw Error("tensor: negative dimension in shape " + shape_str(s));
    n *= d;
  }
  return n;
}

Tensor::Tensor() : data_(std::make_shared<Storage>()), shape_{0}, numel_(0) {}

Tensor::Tensor(Shape shape, real fill) : shape_(std::move(shape)) {
  numel_ = shape_numel(shape_);
  data_ = std::make_shared<Storage>(static_cast<size_t>(numel_), fill);
}

Tensor Tensor::uninit(Shape shape) {
  Tensor t;
  t.numel_ = shape_numel(shape);
  t.shape_ = std::move(shape);
#if defined(__SANITIZE_ADDRESS__)
  t.data_ = std::make_shared<Storage>(static_cast<size_t>(t.numel_),
                                      std::numeric_limits<real>::quiet_NaN());
#else
  t.data_ = std::make_shared<Storage>(static_cast<size_t>(t.numel_));
#endif
  return t;
}

Tensor Tensor::from(Shape shape, std::vector<real> values) {
  const int64_t n = shape_numel(shape);
  if (n != static_cast<int64_t>(values.size()))
    throw Error("Tensor::from: shape " + shape_str(shape) + " holds " + std::to_string(n) +
                " values, got " + std::to_string(values.size()));
  Tensor t;
  t.shape_ = std::move(shape);
  t.numel_ = n;
  t.data_ = std::make_shared<Storage>(values.begin(), values.end());
  return t;
}

Tensor Tensor::randn(Shape shape, Rng& rng, real mean, real stddev) {
  Tensor t(std::move(shape));
  for (int64_t i = 0; i < t.numel_; ++i) t[i] = static_cast<real>(rng.normal(mean, stddev));
  return t;
}

Tensor Tensor::uniform(Shape shape, Rng& rng, real lo, real hi) {
  Tensor t(std::move(shape));
  for (int64_t i = 0; i < t.numel_; ++i) t[i] = static_cast<real>(rng.uniform(lo, hi));
  return t;
}

int Tensor::size(int axis) const {
  const int d = dim();
  const int a = axis < 0 ? axis + d : axis;
  if (a < 0 || a >= d)
    throw Error("tensor: axis " + std::to_string(axis) + " out of range for shape " +
                shape_str(shape_));
  return shape_[a];
}

real Tensor::item() const {
  if (numel_ != 1)
    throw Error("item: expected a one-element tensor, got shape " + shape_str(shape_));
  return (*data_)[0];
}

Tensor Tensor::reshape(Shape shape) const {
  int infer = -1;
  int64_t known = 1;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == -1) {
      if (infer >= 0) throw Error("reshape: more than one -1 in " + shape_str(shape));
      infer = static_cast<int>(i);
    } else if (shape[i] < 0) {
      throw Error("reshape: negative dimension in " + shape_str(shape));
    } else {
      known *= shape[i];
    }
  }
  if (infer >= 0) {
    if (known == 0 || numel_ % known != 0)
      throw Error("reshape: cannot reshape " + shape_str(shape_) + " into " + shape_str(shape));
    shape[infer] = static_cast<int>(numel_ / known);
    known = numel_;
  }
  if (known != numel_)
    throw Error("reshape: cannot reshape " + shape_str(shape_) + " (" + std::to_string(numel_) +
                " values) into " + shape_str(shape));
  Tensor t = *this;
  t.shape_ = std::move(shape);
  return t;
}

Tensor Tensor::clone() const {
  Tensor t = *this;
  t.data_ = std::make_shared<Storage>(*data_);
  return t;
}

void Tensor::fill(real v) { std::fill(data_->begin(), data_->end(), v); }

std::string Tensor::str(int max_per_row) const {
  std::ostringstream os;
  os << "Tensor" << shape_str(shape_) << " ";
  const int cols = dim() == 0 ? 1 : shape_.back();
  const int64_t rows = cols ? numel_ / cols : 0;
  const int64_t max_rows = 6;
  char buf[32];
  os << "{";
  for (int64_t r = 0; r < rows; ++r) {
    if (r == max_rows && rows > max_rows + 1) {
      os << "\n  ... (" << rows - max_rows << " more rows)";
      break;
    }
    os << (rows > 1 ? "\n  " : "");
    for (int c = 0; c < cols; ++c) {
      if (c == max_per_row && cols > max_per_row + 1) {
        os << " ... (" << cols - max_per_row << " more)";
        break;
      }
      std::snprintf(buf, sizeof buf, "%s%.6g", c ? ", " : "", double((*data_)[r * cols + c]));
      os << buf;
    }
  }
  os << (rows > 1 ? "\n}" : "}");
  return os.str();
}

std::ostream& operator<<(std::ostream& os, const Tensor& t) { return os << t.str(); }

void check_same_shape(const char* op, const Tensor& a, const Tensor& b) {
  if (a.shape() != b.shape())
    throw Error(std::string(op) + ": shapes " + shape_str(a.shape()) + " and " +
                shape_str(b.shape()) + " differ");
}

void check_dim(const char* op, const Tensor& t, int dim) {
  if (t.dim() != dim)
    throw Error(std::string(op) + ": expected a " + std::to_string(dim) + "-D tensor, got shape " +
                shape_str(t.shape()));
}

}  // namespace fg
