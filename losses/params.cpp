#include "losses/params.hpp"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>

namespace fg {

std::string num_str(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

bool Range::contains(double v) const {
  if (!std::isfinite(v)) return false;
  if (integer && (v != std::floor(v) || std::abs(v) > 2e9)) return false;
  if (lo_open ? !(v > lo) : !(v >= lo)) return false;
  if (hi_open ? !(v < hi) : !(v <= hi)) return false;
  return true;
}

std::string Range::str() const {
  const bool no_lo = lo <= -1e300, no_hi = hi >= 1e300;
  if (integer) {
    if (lo == 0 && hi == 1) return "0 or 1";
    if (no_hi) return "an integer >= " + num_str(lo);
    return "an integer in [" + num_str(lo) + ", " + num_str(hi) + "]";
  }
  if (no_lo && no_hi) return "any number";
  return std::string(lo_open ? "(" : "[") + (no_lo ? "-inf" : num_str(lo)) + ", " +
         (no_hi ? "inf" : num_str(hi)) + (hi_open || no_hi ? ")" : "]");
}

LossParams parse_key_values(const std::vector<std::string>& words) {
  LossParams p;
  for (const std::string& w : words) {
    const size_t eq = w.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == w.size())
      throw Error("parameter '" + w + "': expected key=value, e.g. s=64");
    p[w.substr(0, eq)] = w.substr(eq + 1);
  }
  return p;
}

static std::string valid_keys(const std::vector<ParamSpec>& specs) {
  std::string v;
  for (const ParamSpec& s : specs) v += (v.empty() ? "" : ", ") + s.key;
  return v.empty() ? "(none)" : v;
}

void check_param_names(const std::string& loss, const LossParams& p,
                       const std::vector<ParamSpec>& specs) {
  for (const auto& kv : p) {
    bool known = false;
    for (const ParamSpec& s : specs) known = known || s.key == kv.first;
    if (!known)
      throw Error("unknown parameter '" + kv.first + "' for " + loss + "; valid: " +
                  valid_keys(specs));
  }
}

std::string params_help(const std::vector<ParamSpec>& specs) {
  if (specs.empty()) return "  (no parameters)\n";
  std::string out;
  for (const ParamSpec& s : specs) {
    std::string head = "  " + s.key + "=" + s.default_text;
    if (head.size() < 22) head.resize(22, ' ');
    out += head + " " + s.help + "; allowed: " + s.range.str() + "\n";
  }
  return out;
}

ParamReader::ParamReader(std::string loss, const LossParams& p,
                         const std::vector<ParamSpec>& specs)
    : loss_(std::move(loss)), p_(p), specs_(specs) {
  check_param_names(loss_, p_, specs_);
}

bool ParamReader::has(const std::string& key) const { return p_.count(key) > 0; }

const ParamSpec& ParamReader::spec(const std::string& key) const {
  for (const ParamSpec& s : specs_)
    if (s.key == key) return s;
  throw Error(loss_ + ": parameter '" + key + "' is not declared (valid: " + valid_keys(specs_) +
              ")");
}

double ParamReader::parse(const ParamSpec& s, const std::string& text, bool given) const {
  const char* begin = text.c_str();
  char* end = nullptr;
  const double v = std::strtod(begin, &end);
  if (end == begin || *end != '\0') {
    if (!given)
      throw Error(loss_ + ": parameter " + s.key + " has no numeric default (" + text +
                  "); give " + s.key + "=VALUE");
    throw Error(loss_ + ": " + s.key + " = '" + text + "' is not a number; allowed: " +
                s.range.str());
  }
  if (!s.range.contains(v))
    throw Error(loss_ + ": " + s.key + " = " + text + " is out of range; allowed: " +
                s.range.str());
  // The losses compute in real: a value that type cannot hold would become inf.
  if (std::abs(v) > double(std::numeric_limits<real>::max()))
    throw Error(loss_ + ": " + s.key + " = " + text + " is beyond the range of the scalar type (" +
                (sizeof(real) == sizeof(float) ? "float" : "double") + ", at most " +
                num_str(double(std::numeric_limits<real>::max())) + "); allowed: " +
                s.range.str() + " within that");
  return v;
}

double ParamReader::real_value(const std::string& key) const {
  const ParamSpec& s = spec(key);
  auto it = p_.find(key);
  return it == p_.end() ? parse(s, s.default_text, false) : parse(s, it->second, true);
}

int ParamReader::int_value(const std::string& key) const {
  if (!spec(key).range.integer)
    throw Error(loss_ + ": parameter " + key + " is declared as a real number, read as an integer");
  return static_cast<int>(std::lround(real_value(key)));
}

bool ParamReader::flag(const std::string& key) const { return real_value(key) != 0; }

std::string ParamReader::text(const std::string& key) const {
  auto it = p_.find(key);
  return it == p_.end() ? spec(key).default_text : it->second;
}

}  // namespace fg
