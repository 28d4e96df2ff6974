// Opt-in wall-clock timing of a training step, for per-layer tables.
//
// Off by default; when off, Scope and the wrapped closures cost one branch.
// Times accumulate in one process-wide table of named entries (calls,
// seconds), listed in order of first appearance.
//
// Forward time is measured by the caller around each layer (Scope).
// Backward time is measured without touching the engine: after a forward
// pass, time_backward() wraps the backward function of every node that a
// layer created, so when backward() runs each one adds its time under that
// layer's name.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "core/graph.hpp"

namespace fg {
namespace profile {

void set_enabled(bool on);
bool enabled();

void add(const std::string& name, double seconds);
void reset();

struct Entry {
  std::string name;
  int64_t calls = 0;
  double seconds = 0;
};
std::vector<Entry> entries();
// Seconds recorded under `name` (0 if none).
double seconds(const std::string& name);

// Adds the time from construction to destruction under `name` (if enabled).
class Scope {
 public:
  explicit Scope(std::string name);
  ~Scope();
  Scope(const Scope&) = delete;
  Scope& operator=(const Scope&) = delete;

 private:
  std::string name_;
  bool on_;
  std::chrono::steady_clock::time_point start_;
};

// Wraps the backward function of every node reachable from `out` without
// passing through `stop` (the layer's input; may be empty), so that running
// it adds its time under `name`. Leaves and already wrapped nodes are left
// alone. Returns the number of nodes wrapped. Does nothing when disabled.
int time_backward(const Var& out, const Var& stop, const std::string& name);

}  // namespace profile
}  // namespace fg
