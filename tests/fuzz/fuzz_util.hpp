// What the libFuzzer targets share beyond feed.hpp: a scratch file for the
// readers that take a path, and the rule that an fg::Error is a correct
// answer to bad input.
#pragma once

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "core/tensor.hpp"

namespace fg_fuzz {

// A per-process file in $FG_FUZZ_SCRATCH (scripts/fuzz.sh points it at its
// scratch directory, which it deletes, so a crash leaves nothing behind),
// else in /dev/shm (memory) when writable, else in $TMPDIR or /tmp. Removed
// when the process exits normally. One tag per target.
inline const std::string& scratch_path(const char* tag) {
  static const std::string path = [tag] {
    const char* given = std::getenv("FG_FUZZ_SCRATCH");
    const char* tmp = std::getenv("TMPDIR");
    const std::string dir = given && *given                   ? given
                            : access("/dev/shm", W_OK) == 0 ? "/dev/shm"
                            : tmp && *tmp                   ? tmp
                                                            : "/tmp";
    return dir + "/facegrad-fuzz-" + tag + "-" + std::to_string(getpid());
  }();
  static const int registered = std::atexit([] { std::remove(path.c_str()); });
  (void)registered;
  return path;
}

// Replaces the scratch file's contents with the n bytes; aborts if the file
// cannot be written (that is the harness failing, not the reader).
inline const std::string& write_scratch(const char* tag, const uint8_t* data, size_t n) {
  const std::string& path = scratch_path(tag);
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f || (n && std::fwrite(data, 1, n, f) != n) || std::fclose(f) != 0) {
    std::perror(path.c_str());
    std::abort();
  }
  return path;
}

// Runs fn; an fg::Error is how a reader refuses bad input, so it is swallowed.
// Any other exception (feed.hpp's Broken included) escapes to libFuzzer,
// which reports it as a crash with its what().
template <class F>
void expect_error_or_success(F&& fn) {
  try {
    fn();
  } catch (const fg::Error&) {
  }
}

}  // namespace fg_fuzz
