// The fuzz targets' inputs, replayed in the normal suites (tag [fuzz]):
//
//  - every seed of tests/fuzz/corpus/<target>/ goes through the same call as
//    its fuzz target (tests/fuzz/feed.hpp): a file named bad_* must be
//    refused with an fg::Error, every other file read;
//  - the seeds made by the library's writers read back as they were written;
//  - every input a fuzz run found (tests/fuzz/regressions/<target>/) runs in
//    child processes, with a memory and time cap, and must end in success or
//    an fg::Error, never a crash, another exception or a broken promise; it
//    runs twice, over freed memory holding 0x00 and then 0xFF, and must end
//    the same way both times (no reading of memory never written).
//
// A finding is fixed before its input joins regressions/<target>/; from then
// on the rule above holds it. The findings fixed so far, and the tests below
// that pin down how each is now answered:
//   csv        a NUL inside a field; 1e308, beyond float        -> row/column errors
//   objective  tpe:dim=1770894283 (a 21 GB projection)          -> dim at most 4096
//              contrastive:margin=7.7e63, softmax+1e230*range   -> beyond the scalar type
//   image      a JPEG scan cut short by a marker (stb shifted by 32) -> refused
//              a JPEG scan using a Huffman table never defined  -> the same pixels each run
//   (seed)     a top-down BMP (negative height)                  -> read
#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <typeinfo>
#include <vector>

#include "tests/data_test_util.hpp"
#include "tests/fuzz/feed.hpp"

using namespace fg;
namespace fs = std::filesystem;

namespace {

const char* const kTargets[] = {"idx", "checkpoint", "csv", "objective", "image"};

// tests/fuzz/<sub>, found from the working directory or a parent (the suites
// run from the repository root); empty when absent.
fs::path fuzz_dir(const std::string& sub) {
  std::error_code ec;
  for (auto dir = fs::current_path(ec); !ec && !dir.empty(); dir = dir.parent_path()) {
    const fs::path p = dir / "tests" / "fuzz" / sub;
    if (fs::is_directory(p, ec)) return p;
    if (dir == dir.parent_path()) break;
  }
  return {};
}

std::vector<fs::path> files_in(const fs::path& dir) {
  std::vector<fs::path> out;
  std::error_code ec;
  if (dir.empty() || !fs::is_directory(dir, ec)) return out;
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (e.is_regular_file()) out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

// One input through the call of its fuzz target. Returns what was read, in
// a few words ("read", or for an image a checksum of its pixels), or throws
// what the reader threw.
std::string feed(const std::string& target, const fs::path& file, const fg_test::TempDir& tmp) {
  const std::vector<unsigned char> bytes = fg_test::read_raw(file.string());
  const uint8_t* data = bytes.data();
  if (target == "image") {
    const Tensor img = fg_fuzz::feed_image(data, bytes.size());
    double sum = 0;
    for (int64_t i = 0; i < img.numel(); ++i) sum += double(img[i]) * double(i % 97 + 1);
    return "read, pixel checksum " + std::to_string(sum);
  }
  if (std::find(std::begin(kTargets), std::end(kTargets), target) == std::end(kTargets))
    throw std::invalid_argument("no fuzz target named " + target);
  if (target == "idx") fg_fuzz::feed_idx(data, bytes.size());
  if (target == "objective") fg_fuzz::feed_objective(data, bytes.size());
  if (target == "csv" || target == "checkpoint") {
    // The path readers get a copy under the input's own name, as a user's file.
    const std::string path = tmp.file(file.filename().string());
    fg_test::write_raw(path, bytes);
    if (target == "csv") fg_fuzz::feed_csv(path);
    if (target == "checkpoint") fg_fuzz::feed_checkpoint(path);
  }
  return "read";
}

std::string signal_name(int sig) {
  const char* s = strsignal(sig);
  return std::to_string(sig) + " (" + (s ? s : "?") + ")";
}

// Current address-space size of this process, from /proc (0 if unknown).
rlim_t address_space_now() {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line))
    if (line.rfind("VmSize:", 0) == 0) return rlim_t(std::stoull(line.substr(7))) * 1024;
  return 0;
}

// Fills a stretch of the heap with `byte` and frees it, so that the reader's
// next allocations are likely to get memory holding that byte. A reader that
// uses memory it never wrote (a decoder table a file refers to but never
// defines) then answers differently for different bytes.
void dirty_freed_heap(unsigned char byte) {
  std::vector<void*> blocks;
  for (size_t n : {size_t(1) << 12, size_t(1) << 14, size_t(1) << 15, size_t(1) << 16}) {
    void* p = std::malloc(n);
    if (p) std::memset(p, byte, n);
    blocks.push_back(p);
  }
  for (void* p : blocks) std::free(p);
}

struct Outcome {
  bool ok = false;   // fn returned or threw fg::Error
  std::string text;  // what fn returned, "refused: <message>", or what went wrong
};

// Runs fn in a child process that may grow its address space by at most
// `extra_mb` and run for at most `seconds` (so an allocation bomb or a hang
// costs nothing here), after dirty_freed_heap(fill). Not ok: fn threw
// something other than fg::Error, the child exited with an error (a
// sanitizer's report goes to stderr) or died of a signal.
Outcome outcome_in_child(const std::function<std::string()>& fn, unsigned char fill, int extra_mb,
                         int seconds) {
  int fds[2];
  if (pipe(fds) != 0) return {false, "pipe failed"};
  std::fflush(nullptr);
  const rlim_t base = address_space_now();
  const pid_t pid = fork();
  if (pid < 0) return {false, "fork failed"};
  if (pid == 0) {
    close(fds[0]);
    if (base > 0) {
      const rlimit cap{base + rlim_t(extra_mb) * (1 << 20), base + rlim_t(extra_mb) * (1 << 20)};
      setrlimit(RLIMIT_AS, &cap);
    }
    alarm(unsigned(seconds));
    dirty_freed_heap(fill);
    std::string said;
    int code = 0;
    try {
      said = fn();
    } catch (const Error& e) {
      said = std::string("refused: ") + e.what();
    } catch (const std::exception& e) {
      said = std::string("threw ") + typeid(e).name() + ": " + e.what(), code = 3;
    } catch (...) {
      said = "threw something that is not a std::exception", code = 4;
    }
    if (write(fds[1], said.data(), said.size()) < 0) code = 5;
    _exit(code);
  }
  close(fds[1]);
  std::string said;
  char buf[512];
  for (ssize_t n; (n = read(fds[0], buf, sizeof buf)) > 0;) said.append(buf, size_t(n));
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (WIFSIGNALED(status)) return {false, "killed by signal " + signal_name(WTERMSIG(status))};
  if (WEXITSTATUS(status) != 0)
    return {false, said.empty() ? "exit code " + std::to_string(WEXITSTATUS(status)) +
                                      " (a sanitizer's report, if any, is printed above)"
                                : said};
  return {true, said};
}

// Each input twice, in children whose freed heap holds 0x00 and then 0xFF:
// both runs must end well, and the same way (a reader must not depend on
// memory it never wrote).
void replay_regressions(const fs::path& root) {
  int count = 0;
  for (const char* target : kTargets)
    for (const fs::path& file : files_in(root / target)) {
      fg_test::TempDir tmp;
      const auto run = [&] { return feed(target, file, tmp); };
      const Outcome zero = outcome_in_child(run, 0x00, 4096, 60);
      const Outcome ones = outcome_in_child(run, 0xFF, 4096, 60);
      INFO(target << " regression " << file.string() << "\n  freed heap 0x00: " << zero.text
                  << "\n  freed heap 0xFF: " << ones.text);
      CHECK(zero.ok);
      CHECK(ones.ok);
      CHECK(zero.text == ones.text);
      ++count;
    }
  WARN(count << " regression inputs replayed from " << root.string());
}

bool named(const fs::path& file, const char* prefix) {
  return file.filename().string().rfind(prefix, 0) == 0;
}

// Feeds, in this process, every seed and calls check(file, error), error
// being "" when the seed was read.
template <class F>
void for_each_seed(F&& check) {
  const fs::path corpus = fuzz_dir("corpus");
  INFO("run from the repository root: tests/fuzz/corpus/ is needed");
  REQUIRE(!corpus.empty());
  for (const char* target : kTargets) {
    const std::vector<fs::path> files = files_in(corpus / target);
    INFO("target " << target);
    CHECK(files.size() >= 5);
    for (const fs::path& file : files) {
      fg_test::TempDir tmp;
      std::string error;
      try {
        feed(target, file, tmp);
      } catch (const Error& e) {
        error = e.what();
      }
      INFO(file.string() << (error.empty() ? " was read" : " was refused: " + error));
      check(file, error);
    }
  }
}

}  // namespace

TEST_CASE("fuzz corpora: each seed is read, or refused with an fg::Error when named bad_*", "[fuzz]") {
  int read = 0, refused = 0;
  for_each_seed([&](const fs::path& file, const std::string& error) {
    CHECK(error.empty() == !named(file, "bad_"));
    (error.empty() ? read : refused)++;
  });
  WARN("fuzz seeds: " << read << " read, " << refused << " refused");
}

TEST_CASE("fuzz corpora: the seeds made by the writers read back as written", "[fuzz]") {
  const fs::path corpus = fuzz_dir("corpus");
  REQUIRE(!corpus.empty());
  // make_seeds: pixel i of the 2 x 4 x 5 images is i * 37 mod 256, plain and gzip,
  // and in two gzip members (header, then payload).
  for (const char* name : {"images.idx3", "images.idx3.gz", "two_members.idx3.gz"}) {
    INFO(name);
    const IdxArray a = read_idx((corpus / "idx" / name).string(), 3);
    REQUIRE(a.dims == std::vector<int>{2, 4, 5});
    for (size_t i = 0; i < a.data.size(); ++i) REQUIRE(a.data[i] == uint8_t(i * 37));
  }
  const IdxArray labels = read_idx((corpus / "idx" / "labels.idx1.gz").string(), 1);
  CHECK(labels.data == std::vector<uint8_t>{3, 1, 4, 1, 5, 9, 2, 6, 5, 3});

  const Checkpoint ck = load_checkpoint((corpus / "checkpoint" / "model.fgckpt").string());
  REQUIRE(ck.tensors.size() == 3);
  REQUIRE(ck.find("model/fc.W"));
  CHECK(ck.find("model/fc.W")->shape() == Shape{2, 3});
  CHECK((*ck.find("model/fc.W"))[3] == Approx(0.5));
  CHECK((*ck.find("model/fc.b"))[1] == Approx(-0.75));
  CHECK(ck.meta.at("loss") == "softmax+0.01*center");
  // Written by hand with 8-byte scalars, as the double build stores them.
  const Checkpoint d = load_checkpoint((corpus / "checkpoint" / "double.fgckpt").string());
  REQUIRE(d.find("x"));
  CHECK(d.find("x")->shape() == Shape{1, 2});
  CHECK((*d.find("x"))[0] == Approx(1.5));
  CHECK((*d.find("x"))[1] == Approx(-2.25));

  const CsvTable f = read_csv((corpus / "csv" / "features.csv").string());
  REQUIRE((f.rows == 3 && f.cols == 2));
  CHECK(f.at(1, 0) == Approx(3e-5));
  CHECK(f.at(1, 1) == Approx(4e6));
  const CsvTable e = read_csv((corpus / "csv" / "exponents.csv").string());
  REQUIRE((e.rows == 2 && e.cols == 4));
  CHECK(e.at(0, 3) == 8);  // 0x1p3
  CHECK(e.at(1, 0) == 0.5);

  // Adam7 on 4 x 4: pass 1 holds (0,0) = 10, pass 4 (2,0) = 20, pass 5 row 2
  // at x = 0, 2: 30, 40; pass 6 rows 0 and 2 at x = 1, 3: 50, 60 / 70, 80;
  // pass 7 rows 1 and 3: 130 + 10x (+1 on row 3).
  const Tensor img = load_image((corpus / "image" / "interlaced_4x4.png").string(), 4, 4);
  const int want[16] = {10, 50, 20, 60, 130, 140, 150, 160, 30, 70, 40, 80, 131, 141, 151, 161};
  for (int i = 0; i < 16; ++i) CHECK(img[i] * 255 == Approx(want[i]).margin(1e-3));
  // 16-bit gray with the Sub filter: samples 40, 20640, 61544 and 297, 21154, 62315
  // (raw + the byte two back); 8-bit output keeps the high byte.
  const Tensor g16 = load_image((corpus / "image" / "gray16_3x2.png").string(), 2, 3);
  const int high[6] = {0, 80, 240, 1, 82, 243};
  for (int i = 0; i < 6; ++i) CHECK(g16[i] * 255 == Approx(high[i]).margin(1e-3));
}

TEST_CASE("fuzz regressions: every input a fuzz run found ends in success or fg::Error", "[fuzz]") {
  const fs::path root = fuzz_dir("regressions");
  INFO("run from the repository root: tests/fuzz/regressions/ is needed");
  REQUIRE(!root.empty());
  replay_regressions(root);
}
