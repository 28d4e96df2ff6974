// The fast GEMM: packed panels, cache blocking, a register-blocked
// micro-kernel (core/kernels/gemm_kernel.hpp), OpenMP over blocks of C.
//
// C is cut into tasks of at most M2 rows and all columns (N2 when the
// caller packed A), cut smaller until every thread has several. One task:
//   for pc in K by KC             pack A[rows, pc..] (private buffer)
//     for jc in columns by N2     pack B[pc.., jc..] (private, KC x N2 in L2)
//       for ir in rows by MR      A micro-panel MR x KC stays in L1
//         for jr in jc by NR      B micro-panel streams from L2
//           micro_kernel          MR x NR tile of C in registers, KC long
// A task as wide as it can be packs its rows of A once per KC, not once per
// N2 columns: at n = 2048 on one thread the packing of A had taken 5% of
// the time (perf), and the product went from 0.92 to 1.02 of OpenBLAS.
// Tasks cut both M and N, so the skinny products of the convolutions (32 to
// 128 rows and 100k columns, or the reverse) keep every core busy. Products
// with a small C and a long K (the weight gradient of a convolution) cut K
// instead, into slabs summed separately and added at the end. When the
// caller has packed A (GemmPackedA) or B (panels of NR columns) beforehand,
// a task reads those panels in place of packing its own.
//
// Threads: a product gets one thread per tuning::kMacsPerThread
// multiply-adds (gemm.cpp), C is cut into about tuning::kTasksPerThread
// tasks per thread, and a team is started only when it pays for itself on
// the machine as loaded now (team_pays below), which keeps a busy machine
// from making small products 10 to 40 times slower (notes/06-kernels.md).
//
// This header holds the driver (blocking, tasks, threads) and is included by
// core/kernels/gemm.cpp only, which defines the public entry points on top of it.
#pragma once

#include <omp.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <new>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "core/kernels/gemm_kernel.hpp"
#include "core/kernels/gemm_pack.hpp"
#include "core/error.hpp"

namespace fg {
namespace gemm_detail {
namespace {

// Blocking (KC, M2, N2, the split-K budget): core/kernels/tuning.hpp.
using tuning::Blocks;
using tuning::ceil_div;
using tuning::round_up;

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
  const T* packed_a = nullptr;  // op(A) already packed (GemmPackedA)
  const T* packed_b = nullptr;  // op(B) already in panels of K x NR (gemm_panel_width)
};

// Rows of k per block of K: the largest balanced cut of K into blocks of
// at most KC (so no block is much shorter than the others).
template <class T> int k_block(int K) {
  const int blocks = (K + Blocks<T>::KC - 1) / Blocks<T>::KC;
  return (K + blocks - 1) / blocks;
}

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

// The work of one product, cut into tasks: a task is a block of rows of C
// (mt, a multiple of MR) by a block of columns (nt, a multiple of NR), and
// packs by itself the parts of A and B it needs, so tasks share nothing and
// run in any order on any thread. The only synchronisation is the end of the
// parallel region: a thread that is descheduled (the cores are shared)
// holds up nobody but its current task, the others take the rest.
struct TaskGrid {
  int mt, nt, cm, cn;  // block sizes and counts
  int count() const { return cm * cn; }
};

// Blocks of at most M2 x n2, then cut further (the larger side first) until
// every thread has tuning::kTasksPerThread tasks and all threads the same
// number (9 equal tasks on 2 threads leave one core idle for the last), or
// the tasks reach one panel. A task that packs its own rows of A takes
// every column (task_width), so that it packs them once; with A packed by
// the caller, a block of N2 columns is as good.
template <class T> int task_width(const Prob<T>& P) {
  return P.packed_a ? Blocks<T>::N2 : P.N;
}
template <class T> TaskGrid make_grid(int M, int N, int threads, int n2) {
  constexpr int MR = Tile<T>::MR, NR = Tile<T>::NR;
  const int target = threads == 1 ? 1 : tuning::kTasksPerThread * threads;
  int cm = ceil_div(M, Blocks<T>::M2), cn = ceil_div(N, std::max(1, n2));
  for (;;) {
    const int mt = round_up(ceil_div(M, cm), MR), nt = round_up(ceil_div(N, cn), NR);
    const TaskGrid g{mt, nt, ceil_div(M, mt), ceil_div(N, nt)};
    if (g.count() >= target && g.count() % threads == 0) return g;
    const bool can_m = mt > MR, can_n = nt > NR;
    // With enough tasks but not the same number per thread, cut rows: they
    // go MR at a time, columns NR (6 times as many), and a column cut can
    // double the count (n = 256: 9 tasks became 18 of 88 x 48).
    const bool even_only = g.count() >= target;
    if (can_m && (even_only || !can_n || mt >= nt))
      ++cm;
    else if (can_n)
      ++cn;
    else
      return g;
  }
}

// One task: rows [i0, i0 + mh) x columns [j0, j0 + nw) of C, all of K.
template <class T>
void run_task(const Prob<T>& P, int i0, int mh, int j0, int nw, T* abuf, T* bbuf) {
  constexpr int MR = Tile<T>::MR, NR = Tile<T>::NR, NV = Tile<T>::NV, L = Tile<T>::L;
  const int KC = k_block<T>(P.K);
  const KernelFn<T>* table = kernels<T>();
  const int mpanels = ceil_div(mh, MR);
  for (int pc = 0; pc < P.K; pc += KC) {
    const int kc = std::min(KC, P.K - pc);
    const T* ablock = abuf;
    if (P.packed_a)  // block pc holds all row panels, each MR x kc
      ablock = P.packed_a + std::ptrdiff_t(pc) * round_up(P.M, MR) + std::ptrdiff_t(i0) * kc;
    else
      for (int r = 0; r < mpanels; ++r)
        pack_a_panel(P.ta, P.A, P.lda, i0 + r * MR, std::min(MR, mh - r * MR), pc, kc,
                     abuf + std::ptrdiff_t(r) * MR * kc);
    const T beta = pc == 0 ? P.beta : T(1);
    // Columns [jb, jb + nb): a B the caller packed is read in place, all at
    // once; otherwise N2 columns at a time are packed into bbuf.
    const int jstep = P.packed_b ? nw : Blocks<T>::N2;
    for (int jb = j0; jb < j0 + nw; jb += jstep) {
      const int nb = std::min(jstep, j0 + nw - jb);
      // Panel q of the block: NR columns, kc rows, k-major.
      const T* bblock = bbuf;
      std::ptrdiff_t bstride = std::ptrdiff_t(NR) * kc;
      if (P.packed_b) {
        bblock = P.packed_b + std::ptrdiff_t(jb) * P.K + std::ptrdiff_t(pc) * NR;
        bstride = std::ptrdiff_t(NR) * P.K;
      } else {
        pack_b_block(P.tb, P.B, P.ldb, pc, kc, jb, nb, bbuf);
      }
      for (int r = 0; r < mpanels; ++r) {
        const int mr = std::min(MR, mh - r * MR);
        const T* a = ablock + std::ptrdiff_t(r) * MR * kc;
        T* crow = P.C + (i0 + r * MR) * P.rsc;
        for (int q = 0; q * NR < nb; ++q) {
          const int nr = std::min(NR, nb - q * NR);
          const CTile<T> tile{crow + (jb + q * NR) * P.csc, P.rsc, P.csc, mr, nr, P.alpha, beta};
          table[(mr - 1) * NV + (ceil_div(nr, L) - 1)](kc, a, bblock + q * bstride, tile);
        }
      }
    }
  }
}

// Whether a team of threads pays for itself. The rule: use a team when one
// thread would take more than twice as long as a team takes to start.
// A team's last thread starts working some time after the call
// (microseconds on an idle machine, milliseconds when other programs keep
// the cores busy), and the call cannot end before that thread has started.
// The start-up delay is measured on every team started (and averaged, each
// new start weighing half); one thread's time is the multiply-adds over
// tuning::kOneThreadMacsPerNs. While one thread is chosen, a team is still
// tried every tuning::kTeamRetryNs to measure the delay again. Either way
// the same tasks run with the same sums, so the result does not depend on
// this choice, only the time does.
std::atomic<int64_t> team_start_ns{0}, last_try_ns{0};

inline int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

inline bool team_pays(int64_t macs) {
  const int64_t one_thread_ns = macs / tuning::kOneThreadMacsPerNs;
  if (2 * team_start_ns.load(std::memory_order_relaxed) < one_thread_ns) return true;
  const int64_t now = now_ns();
  int64_t last = last_try_ns.load(std::memory_order_relaxed);
  return now - last > tuning::kTeamRetryNs && last_try_ns.compare_exchange_strong(last, now);
}

// Called by each member of a new team as it starts; the last to start
// records how long after t0 that was.
inline void note_team_start(std::atomic<int>& started, int64_t t0) {
  if (started.fetch_add(1, std::memory_order_relaxed) + 1 < omp_get_num_threads()) return;
  const int64_t delay = now_ns() - t0, old = team_start_ns.load(std::memory_order_relaxed);
  team_start_ns.store(old + (delay - old) / 2, std::memory_order_relaxed);
}

// Called by each member of a team when it has no work left: waits for the
// others, giving the core away meanwhile. (The cores may be shared with
// other programs; the barrier of OpenMP spins first, which then keeps a
// teammate that still has work off the core.)
inline void wait_for_team(std::atomic<int>& done) {
  const int team = omp_get_num_threads();
  done.fetch_add(1, std::memory_order_acq_rel);
  while (done.load(std::memory_order_acquire) < team) std::this_thread::yield();
}

template <class T> void run_grid_task(const Prob<T>& P, const TaskGrid& g, int t) {
  const int KC = std::min(P.K, Blocks<T>::KC);
  T* abuf = thread_buffer<T>(kBufA, size_t(g.mt) * KC);
  T* bbuf = P.packed_b ? nullptr
                       : thread_buffer<T>(kBufB, size_t(std::min(g.nt, Blocks<T>::N2)) * KC);
  const int i0 = (t / g.cn) * g.mt, j0 = (t % g.cn) * g.nt;
  run_task(P, i0, std::min(g.mt, P.M - i0), j0, std::min(g.nt, P.N - j0), abuf, bbuf);
}

template <class T> void run_blocked(const Prob<T>& P, int nt) {
  // Without a team, one thread runs the grid of one thread: fewer, larger
  // tasks pack less (each packs its own rows of A and columns of B). The
  // shape of the tasks does not change any sum, only the time.
  if (nt > 1 && !team_pays(int64_t(P.M) * P.N * P.K)) nt = 1;
  const TaskGrid g = make_grid<T>(P.M, P.N, nt, task_width(P));
  if (nt == 1 || g.count() == 1) {
    for (int t = 0; t < g.count(); ++t) run_grid_task(P, g, t);
    return;
  }
  std::atomic<int> started{0}, done{0};
  const int64_t t0 = now_ns();
#pragma omp parallel num_threads(nt)
  {
    note_team_start(started, t0);
#pragma omp for schedule(dynamic, 1) nowait
    for (int t = 0; t < g.count(); ++t) run_grid_task(P, g, t);
    wait_for_team(done);
  }
}

// Small C, long K: K is cut into `slabs` ranges, slab s sums its range into
// its own M x N block of `parts`; when every slab is done, the blocks are
// added in slab order into C (so the result does not depend on which
// thread ran which slab), the rows of C shared out among the team.
template <class T> void run_split_k(const Prob<T>& P, int nt, int slabs) {
  const size_t mn = size_t(P.M) * P.N;
  T* parts = thread_buffer<T>(kBufPart, mn * slabs);
  auto slab = [&](int s) {
    const int k0 = int(int64_t(P.K) * s / slabs), k1 = int(int64_t(P.K) * (s + 1) / slabs);
    Prob<T> S = P;
    S.K = k1 - k0;
    S.A = P.ta ? P.A + k0 * P.lda : P.A + k0;
    S.B = P.tb ? P.B + k0 : P.B + k0 * P.ldb;
    S.alpha = T(1);
    S.beta = T(0);
    S.C = parts + mn * s;
    S.rsc = P.N;
    S.csc = 1;
    run_blocked(S, 1);
  };
  auto add_row = [&](int i) {
    for (int j = 0; j < P.N; ++j) {
      T sum = 0;
      for (int u = 0; u < slabs; ++u) sum += parts[mn * u + size_t(i) * P.N + j];
      T& c = P.C[i * P.rsc + j * P.csc];
      c = P.beta == T(0) ? P.alpha * sum : P.alpha * sum + P.beta * c;
    }
  };
  if (!team_pays(int64_t(P.M) * P.N * P.K)) {
    for (int s = 0; s < slabs; ++s) slab(s);
    for (int i = 0; i < P.M; ++i) add_row(i);
    return;
  }
  std::atomic<int> started{0}, done{0};
  const int64_t t0 = now_ns();
#pragma omp parallel num_threads(nt)
  {
    note_team_start(started, t0);
#pragma omp for schedule(dynamic, 1)
    for (int s = 0; s < slabs; ++s) slab(s);
    // (the loop's barrier: every slab is summed before any row is added)
#pragma omp for schedule(static) nowait
    for (int i = 0; i < P.M; ++i) add_row(i);
    wait_for_team(done);
  }
}

// How many K slabs, or 0 to cut C into tasks instead. Only a K longer than
// both sides of C is cut: a square product has C enough to share out, and
// its partial sums (M x N per slab) leave the cache (n = 1024 on 2 threads:
// 0.85 of OpenBLAS in 2 slabs, 0.98 as tasks). Then: cutting C re-reads A
// once per column block and B once per row block; cutting K reads each
// once but writes and re-reads a partial C per slab. Pick the cheaper.
template <class T> int split_k_slabs(const Prob<T>& P, int nt) {
  if (nt == 1 || P.K <= std::max(P.M, P.N)) return 0;
  const double a = double(P.M) * P.K, b = double(P.K) * P.N, c = double(P.M) * P.N;
  const int slabs = std::min(tuning::kTasksPerThread * nt, P.K / tuning::kSplitKMinDepth);
  if (slabs < 2 || c * slabs > double(Blocks<T>::kPartBudget)) return 0;
  const TaskGrid g = make_grid<T>(P.M, P.N, nt, task_width(P));
  const double cost_grid = a * g.cn + b * g.cm + c;
  const double cost_split = a + b + c * (2 * slabs + 1);
  return cost_split < cost_grid ? slabs : 0;
}

// C = beta * C (K == 0 or alpha == 0); beta == 0 writes zeros without reading.
template <class T> void scale_c(const Prob<T>& P) {
  for (int i = 0; i < P.M; ++i)
    for (int j = 0; j < P.N; ++j) {
      T& c = P.C[i * P.rsc + j * P.csc];
      c = P.beta == T(0) ? T(0) : P.beta * c;
    }
}

// Tiny products (a few hundred multiply-adds) cost less than the packing:
// plain loops, the scale of alpha and beta as everywhere else.
template <class T> void small_gemm(const Prob<T>& P) {
  for (int i = 0; i < P.M; ++i)
    for (int j = 0; j < P.N; ++j) {
      T acc = 0;
      for (int p = 0; p < P.K; ++p)
        acc += (P.ta ? P.A[p * P.lda + i] : P.A[i * P.lda + p]) *
               (P.tb ? P.B[j * P.ldb + p] : P.B[p * P.ldb + j]);
      T& c = P.C[i * P.rsc + j * P.csc];
      c = P.beta == T(0) ? P.alpha * acc : P.alpha * acc + P.beta * c;
    }
}

void check_args(bool ta, bool tb, int M, int N, int K, int lda, int ldb, int ldc) {
  const std::string dims = " (M=" + std::to_string(M) + " N=" + std::to_string(N) +
                           " K=" + std::to_string(K) + ")";
  if (M < 0 || N < 0 || K < 0) throw Error("gemm: sizes must not be negative" + dims);
  auto check_ld = [&](const char* name, int ld, const char* matrix, int row) {
    if (ld < std::max(1, row))
      throw Error(std::string("gemm: ") + name + "=" + std::to_string(ld) +
                  " is shorter than a row of " + matrix + " as stored (" + std::to_string(row) +
                  " elements)" + dims);
  };
  check_ld("lda", lda, ta ? "A (K x M, trans_a)" : "A (M x K)", ta ? M : K);
  check_ld("ldb", ldb, tb ? "B (N x K, trans_b)" : "B (K x N)", tb ? K : N);
  check_ld("ldc", ldc, "C (M x N)", N);
}

}  // namespace
}  // namespace gemm_detail
}  // namespace fg
