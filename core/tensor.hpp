// The Tensor: a contiguous, row-major block of `real` numbers with a shape.
//
// `real` is float in the normal build and double when compiled with
// -DFG_DOUBLE (the build the finite-difference gradient checks use).
// Copies of a Tensor share storage (like a handle); clone() makes a deep copy.
// reshape() never copies.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "core/error.hpp"

namespace fg {

#ifdef FG_DOUBLE
using real = double;
#else
using real = float;
#endif

using Shape = std::vector<int>;

std::string shape_str(const Shape& s);      // "[2, 3]"
int64_t shape_numel(const Shape& s);

class Rng;

// std::allocator, except that an element made without a value is left
// unwritten: a Tensor made by Tensor::uninit() skips the zero fill.
template <class T>
struct NoFillAllocator : std::allocator<T> {
  template <class U>
  struct rebind {
    using other = NoFillAllocator<U>;
  };
  NoFillAllocator() = default;
  template <class U>
  NoFillAllocator(const NoFillAllocator<U>&) noexcept {}
  template <class U>
  void construct(U* p) noexcept { ::new (static_cast<void*>(p)) U; }
  template <class U, class... Args>
  void construct(U* p, Args&&... args) {
    ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
  }
};

class Tensor {
 public:
  Tensor();                                  // empty: shape [0]
  explicit Tensor(Shape shape, real fill = 0);

  static Tensor zeros(Shape shape) { return Tensor(std::move(shape), 0); }
  static Tensor ones(Shape shape) { return Tensor(std::move(shape), 1); }
  static Tensor full(Shape shape, real v) { return Tensor(std::move(shape), v); }
  // Values left unwritten, for a kernel that writes every one of them (in
  // the sanitizer build they are NaN, so one left unwritten shows).
  static Tensor uninit(Shape shape);
  static Tensor from(Shape shape, std::vector<real> values);
  static Tensor scalar(real v) { return Tensor({1}, v); }
  static Tensor randn(Shape shape, Rng& rng, real mean = 0, real stddev = 1);
  static Tensor uniform(Shape shape, Rng& rng, real lo, real hi);

  const Shape& shape() const { return shape_; }
  int dim() const { return static_cast<int>(shape_.size()); }
  int size(int axis) const;                  // negative axis counts from the end
  int64_t numel() const { return numel_; }
  bool empty() const { return numel_ == 0; }

  real* data() { return data_->data(); }
  const real* data() const { return data_->data(); }
  real& operator[](int64_t i) { return (*data_)[i]; }
  real operator[](int64_t i) const { return (*data_)[i]; }
  real& at(int i, int j) { return (*data_)[int64_t(i) * shape_[1] + j]; }
  real at(int i, int j) const { return (*data_)[int64_t(i) * shape_[1] + j]; }
  real item() const;                         // the value of a one-element tensor

  Tensor reshape(Shape shape) const;         // shares storage; one -1 allowed
  Tensor clone() const;
  void fill(real v);
  bool shares_storage_with(const Tensor& o) const { return data_ == o.data_; }
  bool sole_owner() const { return data_.use_count() == 1; }  // no other Tensor shares it

  std::string str(int max_per_row = 8) const;  // readable print for debugging

 private:
  using Storage = std::vector<real, NoFillAllocator<real>>;
  std::shared_ptr<Storage> data_;
  Shape shape_;
  int64_t numel_ = 0;
};

std::ostream& operator<<(std::ostream& os, const Tensor& t);

// Throws fg::Error "op: shapes [a] and [b] differ" unless the shapes agree.
void check_same_shape(const char* op, const Tensor& a, const Tensor& b);
// Throws fg::Error "op: expected a 2-D tensor, got [..]" etc.
void check_dim(const char* op, const Tensor& t, int dim);

}  // namespace fg
