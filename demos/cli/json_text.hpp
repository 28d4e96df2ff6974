// A little JSON for the demos' metrics files: objects written field by
// field, numbers that are not finite written as null (JSON has no NaN).
//
//   JsonObject o;
//   o.add("loss", "arcface").add("test_accuracy", 0.91);
//   o.add_raw("per_epoch", json_array(rows));   // rows: JsonObject texts
//   write_text_atomic(out + "/metrics.json", o.str() + "\n");
#pragma once

#include <string>
#include <vector>

namespace fg {

std::string json_quote(const std::string& s);  // "..." with \" \\ \n and control characters escaped
std::string json_number(double v);             // shortest exact-enough form; null if not finite

class JsonObject {
 public:
  JsonObject& add(const std::string& key, const std::string& value);
  JsonObject& add(const std::string& key, const char* value) { return add(key, std::string(value)); }
  JsonObject& add(const std::string& key, double value);
  JsonObject& add(const std::string& key, int value) { return add(key, double(value)); }
  JsonObject& add(const std::string& key, bool value);
  JsonObject& add_raw(const std::string& key, const std::string& json);  // already JSON
  // One field a line, indented by `indent` spaces (0: one line).
  std::string str(int indent = 2) const;

 private:
  std::vector<std::pair<std::string, std::string>> fields_;
};

// "[a, b, ...]" of JSON texts, one a line when indent > 0.
std::string json_array(const std::vector<std::string>& items, int indent = 2);

// Writes `text` to a temporary file beside `path`, then renames it.
void write_text_atomic(const std::string& path, const std::string& text);

}  // namespace fg
