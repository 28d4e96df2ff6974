#include "core/profile.hpp"

#include <map>
#include <mutex>
#include <unordered_set>
#include <utility>

namespace fg {
namespace profile {

namespace {

using Clock = std::chrono::steady_clock;

struct Table {
  std::mutex mu;
  std::vector<Entry> entries;
  std::map<std::string, size_t> index;
};

Table& table() {
  static Table t;
  return t;
}

bool g_enabled = false;

// A backward function that times the one it wraps. Being a named type, a
// wrapped function is recognised (std::function::target) and not wrapped twice.
struct Timed {
  std::function<void(Node&)> inner;
  std::string name;
  void operator()(Node& self) const {
    const auto t0 = Clock::now();
    inner(self);
    add(name, std::chrono::duration<double>(Clock::now() - t0).count());
  }
};

}  // namespace

void set_enabled(bool on) { g_enabled = on; }
bool enabled() { return g_enabled; }

void add(const std::string& name, double seconds) {
  Table& t = table();
  std::lock_guard<std::mutex> lock(t.mu);
  auto it = t.index.find(name);
  if (it == t.index.end()) {
    it = t.index.emplace(name, t.entries.size()).first;
    t.entries.push_back({name, 0, 0});
  }
  Entry& e = t.entries[it->second];
  e.calls += 1;
  e.seconds += seconds;
}

void reset() {
  Table& t = table();
  std::lock_guard<std::mutex> lock(t.mu);
  t.entries.clear();
  t.index.clear();
}

std::vector<Entry> entries() {
  Table& t = table();
  std::lock_guard<std::mutex> lock(t.mu);
  return t.entries;
}

double seconds(const std::string& name) {
  Table& t = table();
  std::lock_guard<std::mutex> lock(t.mu);
  auto it = t.index.find(name);
  return it == t.index.end() ? 0.0 : t.entries[it->second].seconds;
}

Scope::Scope(std::string name) : name_(std::move(name)), on_(g_enabled) {
  if (on_) start_ = Clock::now();
}

Scope::~Scope() {
  if (on_) add(name_, std::chrono::duration<double>(Clock::now() - start_).count());
}

int time_backward(const Var& out, const Var& stop, const std::string& name) {
  if (!g_enabled || !out) return 0;
  int wrapped = 0;
  std::unordered_set<Node*> seen{out.get()};
  std::vector<Node*> todo{out.get()};
  while (!todo.empty()) {
    Node* n = todo.back();
    todo.pop_back();
    if (n == stop.get()) continue;
    if (n->backward && !n->backward.target<Timed>()) {
      n->backward = Timed{std::move(n->backward), name};
      ++wrapped;
    }
    for (const Var& in : n->inputs)
      if (in.requires_grad() && seen.insert(in.get()).second) todo.push_back(in.get());
  }
  return wrapped;
}

}  // namespace profile
}  // namespace fg
