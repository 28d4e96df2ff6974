// Whether these tests were compiled for the sanitizer suite (make test-asan:
// -fsanitize=address,undefined). The sanitizers check every load and store,
// which makes a test's large products many times slower than in the float
// and double suites. A test may take a smaller size in this build only where
// the smaller size still takes every path the larger one takes; the test
// says why, and checks it against the tuning constants that choose the path
// (core/kernels/tuning.hpp). The float and double suites keep the full sizes.
#pragma once

namespace fg_test {

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kSanitizerBuild = true;
#else
constexpr bool kSanitizerBuild = false;
#endif

}  // namespace fg_test
