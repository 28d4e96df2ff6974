// Ops that move numbers around without arithmetic: reshape, flatten,
// transpose, concat, slice, row selection, and the per-row gather/scatter that
// pick out (and put back) the target logit.
#include <cstring>
#include <string>

#include "core/ops.hpp"

namespace fg {

namespace {

void check_index(const char* op, int idx, int limit, size_t at) {
  if (idx < 0 || idx >= limit)
    throw Error(std::string(op) + ": index " + std::to_string(idx) + " at position " +
                std::to_string(at) + " is outside [0, " + std::to_string(limit) + ")");
}

int64_t row_size(const Tensor& t) { return t.dim() ? t.numel() / std::max(1, t.shape()[0]) : 1; }

}  // namespace

// Same numbers, new shape; the gradient is reshaped back.
Var reshape(const Var& a, Shape shape) {
  const Shape old = a.shape();
  return make_node("reshape", a.value().reshape(std::move(shape)), {a}, [old](Node& self) {
    accumulate(self.inputs[0], self.grad.reshape(old));
  });
}

Var flatten(const Var& a) {
  if (a.value().dim() < 1) throw Error("flatten: needs at least one axis");
  return reshape(a, {a.shape()[0], -1});
}

// y = a^T:  dL/da = g^T
Var transpose(const Var& a) {
  const Tensor& x = a.value();
  check_dim("transpose", x, 2);
  const int m = x.shape()[0], n = x.shape()[1];
  Tensor y({n, m});
  for (int i = 0; i < m; ++i)
    for (int j = 0; j < n; ++j) y.at(j, i) = x.at(i, j);
  return make_node("transpose", y, {a}, [m, n](Node& self) {
    Tensor gx({m, n});
    for (int i = 0; i < m; ++i)
      for (int j = 0; j < n; ++j) gx.at(i, j) = self.grad.at(j, i);
    accumulate(self.inputs[0], gx);
  });
}

// Stacks the parts along axis 0; each part gets its own block of the gradient.
Var concat(const std::vector<Var>& parts) {
  if (parts.empty()) throw Error("concat: no tensors given");
  Shape shape = parts[0].shape();
  int rows = 0;
  for (size_t k = 0; k < parts.size(); ++k) {
    Shape s = parts[k].shape();
    if (s.size() != shape.size() || !std::equal(s.begin() + 1, s.end(), shape.begin() + 1))
      throw Error("concat: part " + std::to_string(k) + " has shape " + shape_str(s) +
                  ", incompatible with " + shape_str(parts[0].shape()));
    rows += s[0];
  }
  shape[0] = rows;
  Tensor y(shape);
  std::vector<int64_t> offsets;
  int64_t off = 0;
  for (const Var& p : parts) {
    offsets.push_back(off);
    std::memcpy(y.data() + off, p.value().data(), sizeof(real) * p.value().numel());
    off += p.value().numel();
  }
  return make_node("concat", y, parts, [offsets](Node& self) {
    for (size_t k = 0; k < self.inputs.size(); ++k) {
      const Var& in = self.inputs[k];
      if (!in.requires_grad()) continue;
      Tensor g(in.shape());
      std::memcpy(g.data(), self.grad.data() + offsets[k], sizeof(real) * g.numel());
      accumulate(in, g);
    }
  });
}

// Rows [begin, end) of axis 0.
Var slice(const Var& a, int begin, int end) {
  const Tensor& x = a.value();
  if (x.dim() < 1 || begin < 0 || end < begin || end > x.shape()[0])
    throw Error("slice: rows [" + std::to_string(begin) + ", " + std::to_string(end) +
                ") do not fit shape " + shape_str(x.shape()));
  Shape s = x.shape();
  s[0] = end - begin;
  const int64_t rs = row_size(x);
  Tensor y(s);
  std::memcpy(y.data(), x.data() + begin * rs, sizeof(real) * y.numel());
  const Shape full = x.shape();
  return make_node("slice", y, {a}, [full, begin, rs](Node& self) {
    Tensor g(full);
    std::memcpy(g.data() + begin * rs, self.grad.data(), sizeof(real) * self.grad.numel());
    accumulate(self.inputs[0], g);
  });
}

// y[i] = a[index[i]] (whole rows); the gradient of a row picked twice adds up.
Var rows(const Var& a, const std::vector<int>& index) {
  const Tensor& x = a.value();
  if (x.dim() < 1) throw Error("rows: needs at least one axis");
  Shape s = x.shape();
  const int limit = s[0];
  s[0] = static_cast<int>(index.size());
  const int64_t rs = row_size(x);
  Tensor y(s);
  for (size_t i = 0; i < index.size(); ++i) {
    check_index("rows", index[i], limit, i);
    std::memcpy(y.data() + i * rs, x.data() + index[i] * rs, sizeof(real) * rs);
  }
  const Shape full = x.shape();
  return make_node("rows", y, {a}, [full, index, rs](Node& self) {
    Tensor g(full);
    for (size_t i = 0; i < index.size(); ++i)
      for (int64_t k = 0; k < rs; ++k) g[index[i] * rs + k] += self.grad[i * rs + k];
    accumulate(self.inputs[0], g);
  });
}

// y_i = a[i, index[i]]:  dL/da[i, j] = g_i [j == index[i]]
Var gather(const Var& a, const std::vector<int>& index) {
  const Tensor& x = a.value();
  check_dim("gather", x, 2);
  const int m = x.shape()[0], K = x.shape()[1];
  if (static_cast<int>(index.size()) != m)
    throw Error("gather: " + std::to_string(index.size()) + " indices for a matrix of shape " +
                shape_str(x.shape()) + " (need one per row)");
  Tensor y({m});
  for (int i = 0; i < m; ++i) {
    check_index("gather", index[i], K, i);
    y[i] = x.at(i, index[i]);
  }
  return make_node("gather", y, {a}, [m, K, index](Node& self) {
    Tensor g({m, K});
    for (int i = 0; i < m; ++i) g.at(i, index[i]) = self.grad[i];
    accumulate(self.inputs[0], g);
  });
}

// y[i, index[i]] = v_i, zero elsewhere:  dL/dv_i = g[i, index[i]]
Var scatter(const Var& v, const std::vector<int>& index, int K) {
  const Tensor& x = v.value();
  const int m = static_cast<int>(index.size());
  if (x.numel() != m)
    throw Error("scatter: " + std::to_string(m) + " indices for " + std::to_string(x.numel()) +
                " values of shape " + shape_str(x.shape()));
  Tensor y({m, K});
  for (int i = 0; i < m; ++i) {
    check_index("scatter", index[i], K, i);
    y.at(i, index[i]) = x[i];
  }
  const Shape vs = x.shape();
  return make_node("scatter", y, {v}, [vs, index](Node& self) {
    Tensor g(vs);
    for (size_t i = 0; i < index.size(); ++i) g[i] = self.grad.at(int(i), index[i]);
    accumulate(self.inputs[0], g);
  });
}

}  // namespace fg
