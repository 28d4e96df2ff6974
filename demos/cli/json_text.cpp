#include "demos/cli/json_text.hpp"

#include <cmath>
#include <cstdio>

#include "core/data/file_util.hpp"

namespace fg {

std::string json_quote(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"') out += "\\\"";
    else if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else if (c == '\t') out += "\\t";
    else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else {
      out += char(c);
    }
  }
  return out + "\"";
}

std::string json_number(double v) {
  if (!std::isfinite(v)) return "null";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

JsonObject& JsonObject::add(const std::string& key, const std::string& value) {
  fields_.emplace_back(key, json_quote(value));
  return *this;
}
JsonObject& JsonObject::add(const std::string& key, double value) {
  fields_.emplace_back(key, json_number(value));
  return *this;
}
JsonObject& JsonObject::add(const std::string& key, bool value) {
  fields_.emplace_back(key, value ? "true" : "false");
  return *this;
}
JsonObject& JsonObject::add_raw(const std::string& key, const std::string& json) {
  fields_.emplace_back(key, json);
  return *this;
}

std::string JsonObject::str(int indent) const {
  const std::string pad(size_t(indent), ' '), nl = indent > 0 ? "\n" : "";
  std::string out = "{" + nl;
  for (size_t i = 0; i < fields_.size(); ++i) {
    std::string value = fields_[i].second;
    if (indent > 0)  // nested texts get this level's indent on their inner lines
      for (size_t at = value.find('\n'); at != std::string::npos; at = value.find('\n', at + 1 + pad.size()))
        value.insert(at + 1, pad);
    out += pad + json_quote(fields_[i].first) + (indent > 0 ? ": " : ":") + value +
           (i + 1 < fields_.size() ? "," : "") + (indent > 0 ? nl : (i + 1 < fields_.size() ? " " : ""));
  }
  return out + "}";
}

std::string json_array(const std::vector<std::string>& items, int indent) {
  const std::string pad(size_t(indent), ' '), nl = indent > 0 ? "\n" : "";
  if (items.empty()) return "[]";
  std::string out = "[" + nl;
  for (size_t i = 0; i < items.size(); ++i)
    out += pad + items[i] + (i + 1 < items.size() ? (indent > 0 ? "," : ", ") : "") + nl;
  return out + "]";
}

void write_text_atomic(const std::string& path, const std::string& text) {
  write_file_atomic(path, text.data(), text.size());
}

}  // namespace fg
