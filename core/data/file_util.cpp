#include "core/data/file_util.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "core/tensor.hpp"

namespace fg {

std::vector<uint8_t> read_file_capped(const std::string& path, int64_t max_bytes) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0)
    throw Error(path + ": cannot open: " + std::strerror(errno));
  if (!S_ISREG(st.st_mode)) throw Error(path + ": not a regular file: expected a data file");
  if (int64_t(st.st_size) > max_bytes)
    throw Error(path + ": file is " + std::to_string(int64_t(st.st_size)) +
                " bytes: expected at most " + std::to_string(max_bytes));
  FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) throw Error(path + ": cannot open: " + std::strerror(errno));
  std::vector<uint8_t> bytes(static_cast<size_t>(st.st_size));
  const size_t got = bytes.empty() ? 0 : std::fread(bytes.data(), 1, bytes.size(), f);
  const bool failed = std::ferror(f) != 0;
  const int err = errno;
  std::fclose(f);
  if (failed) throw Error(path + ": read error: " + std::strerror(err));
  bytes.resize(got);  // the file may have shrunk since stat
  return bytes;
}

void write_file_atomic(const std::string& path, const void* data, size_t n) {
  static std::atomic<unsigned> counter{0};
  const std::string tmp =
      path + ".tmp." + std::to_string(::getpid()) + "." + std::to_string(counter++);
  FILE* f = std::fopen(tmp.c_str(), "wb");
  if (!f) throw Error(path + ": cannot write (creating " + tmp + "): " + std::strerror(errno));
  bool ok = n == 0 || std::fwrite(data, 1, n, f) == n;
  int err = ok ? 0 : errno;
  if (ok && std::fflush(f) != 0) ok = false, err = errno;
  if (ok && ::fsync(fileno(f)) != 0) ok = false, err = errno;
  if (std::fclose(f) != 0 && ok) ok = false, err = errno;
  if (ok && std::rename(tmp.c_str(), path.c_str()) != 0) ok = false, err = errno;
  if (!ok) {
    std::remove(tmp.c_str());
    throw Error(path + ": cannot write: " + std::strerror(err ? err : EIO));
  }
}

}  // namespace fg
