#include "core/data/csv.hpp"

#include <cmath>
#include <limits>
#include <cstdio>
#include <cstdlib>

#include "core/data/file_util.hpp"

namespace fg {

namespace {

constexpr int64_t kMaxCsvBytes = int64_t(1) << 30;

std::string trim(const std::string& s) {
  size_t b = 0, e = s.size();
  while (b < e && (s[b] == ' ' || s[b] == '\t' || s[b] == '\r')) ++b;
  while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t' || s[e - 1] == '\r')) --e;
  return s.substr(b, e - b);
}

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t nl = text.find('\n', start);
    if (nl == std::string::npos) {
      lines.push_back(text.substr(start));
      break;
    }
    lines.push_back(text.substr(start, nl - start));
    start = nl + 1;
  }
  while (!lines.empty() && trim(lines.back()).empty()) lines.pop_back();  // blank lines at the end
  return lines;
}

}  // namespace

std::string CsvTable::where(int r) const { return path + ", row " + std::to_string(r + 1); }

CsvTable read_csv(const std::string& path) {
  const std::vector<uint8_t> bytes = read_file_capped(path, kMaxCsvBytes);
  const std::string text(bytes.begin(), bytes.end());
  CsvTable t;
  t.path = path;
  const std::vector<std::string> lines = split_lines(text);
  if (lines.empty()) throw Error(path + ": no rows (expected numbers separated by commas)");
  for (size_t r = 0; r < lines.size(); ++r) {
    const std::string where = t.where(int(r));
    if (trim(lines[r]).empty()) throw Error(where + ": empty row (rows must be consecutive)");
    std::vector<double> row;
    size_t start = 0;
    for (int c = 1;; ++c) {
      const size_t comma = lines[r].find(',', start);
      const std::string field =
          trim(lines[r].substr(start, comma == std::string::npos ? std::string::npos : comma - start));
      const std::string at = where + ", column " + std::to_string(c);
      if (field.empty()) throw Error(at + ": empty value");
      char* end = nullptr;
      const double v = std::strtod(field.c_str(), &end);
      if (end == field.c_str() || end != field.c_str() + field.size())  // a NUL inside counts too
        throw Error(at + ": '" + field + "' is not a number");
      if (!std::isfinite(v)) throw Error(at + ": '" + field + "' is not a finite number");
      if (std::abs(v) > double(std::numeric_limits<real>::max()))
        throw Error(at + ": '" + field + "' is too large for this build's numbers (" +
                    std::to_string(sizeof(real) * 8) + "-bit)");
      row.push_back(v);
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
    if (r == 0) t.cols = int(row.size());
    if (int(row.size()) != t.cols)
      throw Error(where + ": " + std::to_string(row.size()) +
                  (row.size() == 1 ? " value" : " values") + ", but row 1 has " +
                  std::to_string(t.cols));
    t.values.insert(t.values.end(), row.begin(), row.end());
    ++t.rows;
  }
  return t;
}

Tensor csv_tensor(const CsvTable& t) {
  Tensor out({t.rows, t.cols});
  for (size_t i = 0; i < t.values.size(); ++i) out[int64_t(i)] = real(t.values[i]);
  return out;
}

std::vector<int> csv_integers(const CsvTable& t) {
  std::vector<int> out;
  out.reserve(t.values.size());
  for (int r = 0; r < t.rows; ++r)
    for (int c = 0; c < t.cols; ++c) {
      const double v = t.at(r, c);
      if (v != std::floor(v) || std::abs(v) > 2e9) {
        char buf[64];
        std::snprintf(buf, sizeof buf, "%.10g", v);
        throw Error(t.where(r) + ", column " + std::to_string(c + 1) + ": " + buf +
                    " is not an integer");
      }
      out.push_back(int(v));
    }
  return out;
}

void write_csv(const std::string& path, const Tensor& t) {
  if (t.dim() > 2) throw Error(path + ": write_csv takes a 1-D or 2-D tensor, got " + shape_str(t.shape()));
  const int rows = t.dim() == 0 ? 0 : t.size(0), cols = t.dim() == 2 ? t.size(1) : 1;
  const int digits = sizeof(real) == 8 ? 17 : 10;  // enough to read the same value back
  std::string text;
  char buf[64];
  for (int r = 0; r < rows; ++r) {
    for (int c = 0; c < cols; ++c) {
      std::snprintf(buf, sizeof buf, "%.*g", digits, double(t[int64_t(r) * cols + c]));
      text += (c ? "," : "") + std::string(buf);
    }
    text += '\n';
  }
  write_file_atomic(path, text.data(), text.size());
}

}  // namespace fg
