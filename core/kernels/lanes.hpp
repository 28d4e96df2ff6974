// VectorLanes<T, L>: L values of T as one GCC vector, so that arithmetic written on
// whole vectors (+, *, a comparison and ?: as a select) compiles to SIMD
// instructions without intrinsics. Used where the compiler does not
// vectorise the plain loop by itself: Winograd's transforms (16 tiles at a
// time) and PReLU's slope sums (8 values at a time, no branch on the sign).
#pragma once

namespace fg {

template <class T, int L>
struct VectorLanesOf {
  typedef T type __attribute__((vector_size(L * sizeof(T))));
};
template <class T, int L>
using VectorLanes = typename VectorLanesOf<T, L>::type;

}  // namespace fg
