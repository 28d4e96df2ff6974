// The fast GEMM: packed panels, cache blocking, a register-blocked
// micro-kernel (core/gemm_kernel.hpp), OpenMP over blocks of C.
//
// Loop nest for one product, after packing (sizes in core/gemm_kernel.hpp
// and below):
//   for i3 in M by M3, p3 in K by K3    pack A[i3.., p3..] once, shared by
//                                       all threads (it lives in L3)
//     parallel over tasks = (column chunk of N2) x (row chunk of the i3 block)
//       for pc in p3.. by KC             pack B[pc.., chunk] (private, in L2)
//         for ir in rows by MR            A micro-panel MR x KC stays in L1
//           for jr in chunk by NR         B micro-panel streams from L2
//             micro_kernel                MR x NR tile of C in registers
// The tasks split both M and N, so the skinny products of the convolutions
// (32 to 128 rows and 100k columns, or the reverse) keep every core busy.
// Products with a small C and a long K (the weight gradient of a convolution
// with few channels) split K instead: each thread sums its share of K into a
// private C, and the shares are added at the end.
#include "core/gemm.hpp"

#include <omp.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdlib>
#include <new>
#include <string>
#include <utility>
#include <vector>

#include "core/gemm_kernel.hpp"
#include "core/gemm_pack.hpp"
#include "core/tensor.hpp"

namespace fg {
namespace gemm_detail {
namespace {

// Blocking (in elements of T). KC x NR of B and MR x KC of A per micro-kernel
// call; a task's packed B block is KC x N2 (under half of the 1 MB L2); the
// shared packed A block holds at most kABudget elements (a few MB of L3).
template <class T> struct Blocks {
  static constexpr int KC = 256;
  static constexpr int N2 = 10 * Tile<T>::NR;
  static constexpr int64_t kABudget = (int64_t(2) << 20) / int64_t(sizeof(T));
};

template <class T> struct Prob {
  bool ta, tb;
  int M, N, K;
  T alpha, beta;
  const T* A;
  std::ptrdiff_t lda;
  const T* B;
  std::ptrdiff_t ldb;
  T* C;
  std::ptrdiff_t rsc, csc;  // C(i, j) = C[i * rsc + j * csc]
};

inline int ceil_div(int a, int b) { return (a + b - 1) / b; }
inline int round_up(int a, int b) { return ceil_div(a, b) * b; }

// A growable 64-byte-aligned buffer, one of each kind per thread, kept
// between calls so that small products do not pay for allocation.
template <class T> struct Buffer {
  T* p = nullptr;
  size_t cap = 0;
  Buffer() = default;
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;
  ~Buffer() { std::free(p); }
  T* get(size_t n) {
    if (n > cap) {
      std::free(p);
      const size_t bytes = (n * sizeof(T) + 63) / 64 * 64;
      p = static_cast<T*>(std::aligned_alloc(64, bytes));
      cap = p ? n : 0;
      if (!p) throw std::bad_alloc();
    }
    return p;
  }
};
enum BufferKind { kBufA, kBufB, kBufPart, kBufKinds };
template <class T> T* thread_buffer(BufferKind kind, size_t n) {
  static thread_local Buffer<T> bufs[kBufKinds];
  return bufs[kind].get(n);
}

// Micro-kernels for every edge shape: table[(rows - 1) * NV + (vectors - 1)].
template <class T> using KernelFn = void (*)(int, const T*, const T*, const CTile<T>&);
template <class T, int... I>
constexpr std::array<KernelFn<T>, sizeof...(I)> kernel_table(std::integer_sequence<int, I...>) {
  return {{&micro_kernel<T, I / Tile<T>::NV + 1, I % Tile<T>::NV + 1>...}};
}
template <class T> const KernelFn<T>* kernels() {
  static constexpr auto table =
      kernel_table<T>(std::make_integer_sequence<int, Tile<T>::MR * Tile<T>::NV>{});
  return table.data();
}

// Work sharing: the same loop nest runs on one thread or inside an OpenMP
// team. Each loop ends with a barrier in the team version.
struct SerialTeam {
  template <class F> void for_static(int n, F&& f) { for (int i = 0; i < n; ++i) f(i); }
  template <class F> void for_dynamic(int n, F&& f) { for (int i = 0; i < n; ++i) f(i); }
};
struct OmpTeam {
  template <class F> void for_static(int n, F&& f) {
#pragma omp for schedule(static)
    for (int i = 0; i < n; ++i) f(i);
  }
  template <class F> void for_dynamic(int n, F&& f) {
#pragma omp for schedule(dynamic, 1)
    for (int i = 0; i < n; ++i) f(i);
  }
};

// The packed loop nest over the whole of P, run by every member of `team`
// (nt threads). abuf is shared and holds M3 x K3; each thread packs B into
// its own buffer.
template <class T, class Team>
void blocked(const Prob<T>& P, int nt, T* abuf, int M3, int K3, Team& team) {
  constexpr int MR = Tile<T>::MR, NR = Tile<T>::NR, NV = Tile<T>::NV, L = Tile<T>::L;
  const int KC = ceil_div(K3, ceil_div(K3, Blocks<T>::KC));  // balanced k blocks
  const KernelFn<T>* table = kernels<T>();
  T* bbuf = thread_buffer<T>(kBufB, size_t(KC) * Blocks<T>::N2);
  int packed_j0 = -1, packed_pc = -1;  // what bbuf holds (this thread)

  for (int i3 = 0; i3 < P.M; i3 += M3) {
    const int mh = std::min(M3, P.M - i3), mpanels = ceil_div(mh, MR);
    for (int p3 = 0; p3 < P.K; p3 += K3) {
      const int kh = std::min(K3, P.K - p3), kblocks = ceil_div(kh, KC);
      team.for_static(mpanels * kblocks, [&](int u) {
        const int r = u / kblocks, q = u % kblocks;
        const int mr = std::min(MR, mh - r * MR), kc = std::min(KC, kh - q * KC);
        pack_a_panel(P.ta, P.A, P.lda, i3 + r * MR, mr, p3 + q * KC, kc,
                     abuf + (std::ptrdiff_t(r) * K3 + q * KC) * MR);
      });

      // Tasks: column chunks of up to N2, made narrower (down to one panel)
      // and then combined with row chunks until there are enough to share.
      const int target = nt == 1 ? 1 : 4 * nt;
      const int npanels = ceil_div(P.N, NR);
      int chunk = std::min(Blocks<T>::N2 / NR, npanels);
      if (ceil_div(npanels, chunk) < target) chunk = std::max(1, ceil_div(npanels, target));
      const int nchunks = ceil_div(npanels, chunk);
      int mchunk = mpanels;
      if (nchunks < 2 * nt) mchunk = std::max(1, ceil_div(mpanels, ceil_div(target, nchunks)));
      const int mchunks = ceil_div(mpanels, mchunk);

      team.for_dynamic(nchunks * mchunks, [&](int t) {
        const int j0 = (t / mchunks) * chunk * NR, r0 = (t % mchunks) * mchunk;
        const int nw = std::min(chunk * NR, P.N - j0), r1 = std::min(mpanels, r0 + mchunk);
        const int jpanels = ceil_div(nw, NR);
        for (int pc = p3; pc < p3 + kh; pc += KC) {
          const int kc = std::min(KC, p3 + kh - pc);
          if (packed_j0 != j0 || packed_pc != pc) {
            for (int q = 0; q < jpanels; ++q)
              pack_b_panel(P.tb, P.B, P.ldb, pc, kc, j0 + q * NR, std::min(NR, nw - q * NR),
                           bbuf + std::ptrdiff_t(q) * NR * kc);
            packed_j0 = j0;
            packed_pc = pc;
          }
          const T beta = pc == 0 ? P.beta : T(1);
          for (int r = r0; r < r1; ++r) {
            const int mr = std::min(MR, mh - r * MR);
            const T* a = abuf + (std::ptrdiff_t(r) * K3 + (pc - p3)) * MR;
            T* crow = P.C + (i3 + r * MR) * P.rsc;
            for (int q = 0; q < jpanels; ++q) {
              const int nr = std::min(NR, nw - q * NR);
              const CTile<T> tile{crow + (j0 + q * NR) * P.csc, P.rsc, P.csc, mr, nr, P.alpha, beta};
              table[(mr - 1) * NV + (ceil_div(nr, L) - 1)](kc, a, bbuf + std::ptrdiff_t(q) * NR * kc,
                                                           tile);
            }
          }
        }
      });
    }
  }
}

// Chooses the shared A block (M3 x K3 within the budget) and runs the nest.
template <class T> void run_blocked(const Prob<T>& P, int nt) {
  constexpr int MR = Tile<T>::MR;
  const int64_t budget = Blocks<T>::kABudget;
  int M3 = P.M, K3 = P.K;
  if (int64_t(P.M) * P.K > budget) {
    M3 = int(budget / P.K) / MR * MR;
    if (M3 < 16 * MR) {  // long K: keep a tall block, cut K instead
      M3 = std::min(P.M, 16 * MR);
      K3 = std::max(Blocks<T>::KC, int(budget / M3) / Blocks<T>::KC * Blocks<T>::KC);
    }
  }
  T* abuf = thread_buffer<T>(kBufA, size_t(round_up(M3, MR)) * K3);
  if (nt == 1) {
    SerialTeam team;
    blocked(P, 1, abuf, M3, K3, team);
    return;
  }
#pragma omp parallel num_threads(nt)
  {
    OmpTeam team;
    blocked(P, nt, abuf, M3, K3, team);
  }
}

// Small C, long K: thread t sums K range t into its own M x N copy of C,
// then the copies are added into C with alpha and beta.
template <class T> void run_split_k(const Prob<T>& P, int nt) {
  std::vector<T*> parts(nt);
#pragma omp parallel num_threads(nt)
  {
    const int t = omp_get_thread_num(), n = omp_get_num_threads();
    const int k0 = int(int64_t(P.K) * t / n), k1 = int(int64_t(P.K) * (t + 1) / n);
    T* part = thread_buffer<T>(kBufPart, size_t(P.M) * P.N);
    parts[t] = part;
    Prob<T> S = P;
    S.K = k1 - k0;
    S.A = P.ta ? P.A + k0 * P.lda : P.A + k0;
    S.B = P.tb ? P.B + k0 : P.B + k0 * P.ldb;
    S.alpha = T(1);
    S.beta = T(0);
    S.C = part;
    S.rsc = P.N;
    S.csc = 1;
    if (S.K > 0) {
      run_blocked(S, 1);
    } else {
      std::fill(part, part + size_t(P.M) * P.N, T(0));
    }
#pragma omp barrier
#pragma omp for schedule(static)
    for (int i = 0; i < P.M; ++i)
      for (int j = 0; j < P.N; ++j) {
        T s = 0;
        for (int u = 0; u < n; ++u) s += parts[u][size_t(i) * P.N + j];
        T& c = P.C[i * P.rsc + j * P.csc];
        c = P.beta == T(0) ? P.alpha * s : P.alpha * s + P.beta * c;
      }
  }
}

// C = beta * C (K == 0 or alpha == 0); beta == 0 writes zeros without reading.
template <class T> void scale_c(const Prob<T>& P) {
  for (int i = 0; i < P.M; ++i)
    for (int j = 0; j < P.N; ++j) {
      T& c = P.C[i * P.rsc + j * P.csc];
      c = P.beta == T(0) ? T(0) : P.beta * c;
    }
}

void check_args(bool ta, bool tb, int M, int N, int K, int lda, int ldb, int ldc) {
  auto bad = [&](const std::string& what) {
    throw Error("gemm: " + what + " (M=" + std::to_string(M) + " N=" + std::to_string(N) +
                " K=" + std::to_string(K) + " lda=" + std::to_string(lda) +
                " ldb=" + std::to_string(ldb) + " ldc=" + std::to_string(ldc) + ")");
  };
  if (M < 0 || N < 0 || K < 0) bad("sizes must not be negative");
  if (lda < std::max(1, ta ? M : K)) bad(std::string("lda is shorter than a row of A") + (ta ? "^T" : ""));
  if (ldb < std::max(1, tb ? K : N)) bad(std::string("ldb is shorter than a row of B") + (tb ? "^T" : ""));
  if (ldc < std::max(1, N)) bad("ldc is shorter than a row of C");
}

}  // namespace
}  // namespace gemm_detail

template <class T>
void gemm(bool trans_a, bool trans_b, int M, int N, int K, T alpha, const T* A, int lda,
          const T* B, int ldb, T beta, T* C, int ldc) {
  using namespace gemm_detail;
  check_args(trans_a, trans_b, M, N, K, lda, ldb, ldc);
  if (M == 0 || N == 0) return;
  Prob<T> P{trans_a, trans_b, M, N, K, alpha, beta, A, lda, B, ldb, C, ldc, 1};
  if (K == 0 || alpha == T(0)) {
    scale_c(P);
    return;
  }
  // Vectors run along N. When N would fill vectors poorly and M would fill
  // them better, compute C^T = op(B)^T op(A)^T instead (C written with strides).
  constexpr int L = Tile<T>::L, MR = Tile<T>::MR, NR = Tile<T>::NR;
  const double fill_n = double(N) / round_up(N, L), fill_m = double(M) / round_up(M, L);
  if (fill_m > fill_n + 0.1) {
    P = Prob<T>{!trans_b, !trans_a, N, M, K, alpha, beta, B, ldb, A, lda, C, 1, ldc};
  }
  const int64_t macs = int64_t(M) * N * K;
  int nt = omp_in_parallel() ? 1 : omp_get_max_threads();
  nt = int(std::max<int64_t>(1, std::min<int64_t>(nt, macs / (int64_t(1) << 17))));
  const bool split_k = nt > 1 && ceil_div(P.N, NR) * ceil_div(P.M, MR) < 4 * nt &&
                       P.K >= 4 * std::max(P.M, P.N) && P.K >= 256 * nt;
  if (split_k)
    run_split_k(P, nt);
  else
    run_blocked(P, nt);
}

template void gemm<float>(bool, bool, int, int, int, float, const float*, int, const float*, int,
                          float, float*, int);
template void gemm<double>(bool, bool, int, int, int, double, const double*, int, const double*,
                           int, double, double*, int);

}  // namespace fg
