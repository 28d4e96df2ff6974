// Training under faults, with the real program: build/train_softmax is
// killed with SIGKILL at random moments, resumed from its last checkpoint,
// and must end with the same parameters, bit for bit, as a run that was never
// interrupted (same seed, one thread). Every checkpoint found after a kill
// must load (it is written to a temporary name and renamed). An output
// directory that cannot be written is an error naming it.
//
// The number of kill points is FG_KILL_POINTS (default 2);
// scripts/kill_resume.sh runs 20.
#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "core/data/checkpoint.hpp"
#include "core/random.hpp"

using namespace fg;

namespace {

const char* kProgram = "build/train_softmax";
const std::vector<std::string> kTrainArgs = {"--data", "digits:192", "--epochs", "2", "--batch", "32",
                                             "--checkpoint-every", "1", "--threads", "1",
                                             "--seed", "3", "--quiet"};

bool exists(const std::string& path) { return std::ifstream(path).good(); }

std::string scratch_dir() {
  char tmpl[] = "/tmp/fg_faults_XXXXXX";
  const char* d = mkdtemp(tmpl);
  REQUIRE(d != nullptr);
  return d;
}

// Starts train_softmax with `extra` arguments, stdout and stderr to /dev/null.
pid_t start(const std::vector<std::string>& extra) {
  std::vector<std::string> words{kProgram};
  words.insert(words.end(), kTrainArgs.begin(), kTrainArgs.end());
  words.insert(words.end(), extra.begin(), extra.end());
  std::cout.flush();  // else the child's copy of the buffer is written too
  std::fflush(stdout);
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    setenv("OMP_NUM_THREADS", "1", 1);
    if (!freopen("/dev/null", "w", stdout) || !freopen("/dev/null", "w", stderr)) _exit(126);
    std::vector<char*> argv;
    for (std::string& w : words) argv.push_back(&w[0]);
    argv.push_back(nullptr);
    execv(kProgram, argv.data());
    _exit(127);
  }
  return pid;
}

// Waits for the child; true if it exited with code 0.
bool finish(pid_t pid) {
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// "" if the two checkpoints hold the same tensors bit for bit, else the first difference.
std::string compare(const std::string& a_path, const std::string& b_path) {
  const Checkpoint a = load_checkpoint(a_path), b = load_checkpoint(b_path);
  if (a.tensors.size() != b.tensors.size()) return "different tensor counts";
  for (const NamedTensor& t : a.tensors) {
    const Tensor* u = b.find(t.first);
    if (!u) return t.first + " is missing";
    if (u->shape() != t.second.shape()) return t.first + " has another shape";
    if (std::memcmp(u->data(), t.second.data(), sizeof(real) * size_t(t.second.numel())) != 0)
      return t.first + " differs";
  }
  return "";
}

int kill_points() {
  const char* env = std::getenv("FG_KILL_POINTS");
  return env ? std::max(1, std::atoi(env)) : 2;
}

}  // namespace

TEST_CASE("faults: killed at random moments, resumed, same parameters bit for bit", "[faults][slow]") {
  REQUIRE(exists(kProgram));
  const std::string dir = scratch_dir();
  const auto t0 = std::chrono::steady_clock::now();
  REQUIRE(finish(start({"--out", dir + "/straight"})));
  const double full = seconds_since(t0);
  const std::string reference = dir + "/straight/checkpoint.ckpt";
  REQUIRE(exists(reference));

  Rng rng(20261128);
  const int points = kill_points();
  int identical = 0, with_checkpoint = 0, finished_first = 0;
  for (int k = 0; k < points; ++k) {
    const std::string out = dir + "/run" + std::to_string(k);
    const std::string ckpt = out + "/checkpoint.ckpt";
    const double delay = rng.uniform(0.05, 0.95) * full;
    const pid_t pid = start({"--out", out});
    const auto t1 = std::chrono::steady_clock::now();
    int status = 0;
    bool done = false;
    while (seconds_since(t1) < delay && !done) {
      done = waitpid(pid, &status, WNOHANG) == pid;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    if (!done) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
    } else {
      ++finished_first;
    }
    INFO("kill point " << k << " after " << delay << " s");
    std::vector<std::string> extra{"--out", out};
    const bool resumed = exists(ckpt);
    if (resumed) {
      ++with_checkpoint;
      REQUIRE_NOTHROW(load_checkpoint(ckpt));  // never half-written
      extra.insert(extra.end(), {"--resume", ckpt});
    }
    REQUIRE(finish(start(extra)));
    const std::string diff = compare(reference, ckpt);
    std::cout << "faults: kill point " << k << " at " << delay << " s of " << full << " s: "
              << (done ? "finished first, " : resumed ? "resumed, " : "no checkpoint yet, restarted, ")
              << (diff.empty() ? "identical" : "DIFFERENT: " + diff) << "\n";
    if (diff.empty()) ++identical;
  }
  std::cout << "faults: " << identical << "/" << points << " resumed runs identical to the straight run ("
            << with_checkpoint << " resumed from a checkpoint, " << finished_first
            << " finished before the kill)\n";
  CHECK(std::system(("rm -rf " + dir).c_str()) == 0);
  REQUIRE(identical == points);
}

TEST_CASE("faults: an output directory that cannot be written is an error naming it", "[faults][slow]") {
  REQUIRE(exists(kProgram));
  const std::string dir = scratch_dir();
  std::ofstream(dir + "/a_file") << "x";
  for (const std::string& out : {std::string("/proc/fg_no/such"), dir + "/a_file/sub"}) {
    const std::string cmd = "OMP_NUM_THREADS=1 timeout 60 " + std::string(kProgram) +
                            " --data digits:192 --epochs 1 --quiet --out " + out + " 2>&1 >/dev/null";
    FILE* p = popen(cmd.c_str(), "r");
    REQUIRE(p != nullptr);
    std::string err;
    char buf[512];
    while (std::fgets(buf, sizeof buf, p)) err += buf;
    const int status = pclose(p);
    INFO(out << ": " << err);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) != 0);
    CHECK(WEXITSTATUS(status) != 124);
    CHECK(err.find(out) != std::string::npos);
  }
  CHECK(std::system(("rm -rf " + dir).c_str()) == 0);
}
