// The fuzz build's convolutions: the naive twins under the fast kernels'
// names.
//
// core/kernels/conv.cpp packs its operands with the GCC-only register shuffles of
// core/kernels/gemm_pack.hpp, so clang cannot compile it, and the fuzz targets aim at
// the readers and parsers, not at the kernels (the test suites compare the
// fast kernels with these same twins). scripts/fuzz.sh links this file
// instead of core/kernels/conv.cpp, as it does tests/fuzz/gemm_naive_as_gemm.cpp
// instead of core/kernels/gemm.cpp.
#include "core/kernels/conv.hpp"

namespace fg {

template <class T>
void conv2d_forward(const ConvGeom& g, const T* x, const T* w, const T* b, T* y) {
  conv2d_forward_naive(g, x, w, b, y);
}

template <class T>
void conv2d_backward_input(const ConvGeom& g, const T* dy, const T* w, T* dx) {
  conv2d_backward_input_naive(g, dy, w, dx);
}

template <class T>
void conv2d_backward_weight(const ConvGeom& g, const T* x, const T* dy, T* dw, T* db) {
  conv2d_backward_weight_naive(g, x, dy, dw, db);
}

template void conv2d_forward<float>(const ConvGeom&, const float*, const float*, const float*,
                                    float*);
template void conv2d_forward<double>(const ConvGeom&, const double*, const double*,
                                     const double*, double*);
template void conv2d_backward_input<float>(const ConvGeom&, const float*, const float*, float*);
template void conv2d_backward_input<double>(const ConvGeom&, const double*, const double*,
                                            double*);
template void conv2d_backward_weight<float>(const ConvGeom&, const float*, const float*, float*,
                                            float*);
template void conv2d_backward_weight<double>(const ConvGeom&, const double*, const double*,
                                             double*, double*);

}  // namespace fg
