// Writing explorer.html (demos/explorer/page.hpp): the data as one JSON object
// inside the page, the script and styles after it.
#include "demos/explorer/page.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>

#include "core/error.hpp"
#include "core/random.hpp"
#include "demos/cli/json_text.hpp"
#include "demos/explorer/playground.hpp"
#include "demos/features/metrics.hpp"
#include "demos/features/run.hpp"
#include "demos/plot/plot.hpp"

namespace fg {

namespace {

std::string num(double v) {
  if (!std::isfinite(v)) return "null";
  char b[32];
  std::snprintf(b, sizeof b, "%.5g", v);
  return b;
}

std::string nums(const std::vector<double>& v) {
  std::string s = "[";
  for (size_t i = 0; i < v.size(); ++i) s += (i ? "," : "") + num(v[i]);
  return s + "]";
}

std::string ints(const std::vector<int>& v) {
  std::string s = "[";
  for (size_t i = 0; i < v.size(); ++i) s += (i ? "," : "") + std::to_string(v[i]);
  return s + "]";
}

// Batch numbers, null for a point drawn in none (-1).
std::string batches(const std::vector<int>& b) {
  std::string s = "[";
  for (size_t i = 0; i < b.size(); ++i)
    s += (i ? "," : "") + (b[i] < 0 ? std::string("null") : std::to_string(b[i]));
  return s + "]";
}

// A K x N tensor as [[..], ..]; null when empty.
std::string matrix(const Tensor& t) {
  if (t.dim() != 2 || t.numel() == 0) return "null";
  std::string s = "[";
  for (int i = 0; i < t.size(0); ++i) {
    std::vector<double> r;
    for (int k = 0; k < t.size(1); ++k) r.push_back(t.at(i, k));
    s += (i ? "," : "") + nums(r);
  }
  return s + "]";
}

// Row-major numbers of a tensor, flat.
std::string flat(const Tensor& t) {
  std::vector<double> v(static_cast<size_t>(t.numel()));
  for (int64_t i = 0; i < t.numel(); ++i) v[size_t(i)] = t[i];
  return nums(v);
}

std::string frame_json(const ExplorerFrame& f, int dim) {
  JsonObject j;
  j.add("epoch", f.epoch).add("accuracy", f.accuracy);
  j.add_raw("index", ints(f.index)).add_raw("y", ints(f.y));
  if (dim > 3) {  // drawn on a plane; the hover shows the full -dL/dh (grad_full)
    const FrameView v = project_frame(f);
    j.add_raw("H", flat(v.H)).add_raw("Hn", flat(v.Hn)).add_raw("W", matrix(v.W)).add_raw("Wn", matrix(v.Wn));
    j.add_raw("C", matrix(v.C)).add_raw("Cn", matrix(v.Cn)).add_raw("W_push", matrix(v.W_push));
    j.add_raw("grad", flat(v.grad));
    j.add_raw("grad_full", flat(f.probes.neg_grad));
  } else {
    j.add_raw("H", flat(f.H)).add_raw("W", matrix(f.W)).add_raw("C", matrix(f.C));
    j.add_raw("W_push", matrix(f.W_push)).add_raw("grad", flat(f.probes.neg_grad));
  }
  j.add_raw("loss", nums(f.probes.loss)).add_raw("theta", nums(f.probes.theta_deg));
  j.add_raw("psi", nums(f.probes.psi));
  j.add("note", f.probes.note);
  j.add_raw("batch", f.probes.batch.empty() ? "null" : batches(f.probes.batch));
  j.add("pk", f.probes.batch_shape);
  return j.str(0);
}

std::string run_json(const ExplorerRun& r) {
  std::vector<std::string> names, frames;
  for (const std::string& n : r.names) names.push_back(json_quote(n));
  for (const ExplorerFrame& f : r.frames) frames.push_back(frame_json(f, r.dim));
  JsonObject j;
  j.add("title", r.title).add("dim", r.dim).add("view", r.dim > 3 ? 2 : r.dim);  // view: the coordinates drawn
  j.add("scoring", r.scoring == Scoring::Cosine ? "cosine" : "dot");
  j.add_raw("names", json_array(names, 0)).add_raw("frames", json_array(frames, 0));
  return j.str(0);
}

// "</" inside a script element would end it early.
std::string script_safe(std::string s) {
  for (size_t p = 0; (p = s.find("</", p)) != std::string::npos; p += 3) s.replace(p, 2, "<\\/");
  return s;
}

std::string html_escape(const std::string& s) {
  std::string o;
  for (char c : s) {
    if (c == '<') o += "&lt;";
    else if (c == '>') o += "&gt;";
    else if (c == '&') o += "&amp;";
    else o += c;
  }
  return o;
}

}  // namespace

ExplorerFrame explorer_frame(Objective& obj, const Tensor& H, const std::vector<int>& y, const Tensor& W,
                             const Tensor& C, int epoch, double accuracy, int max_points, uint64_t seed,
                             int pk_P, int pk_K) {
  const int m = H.size(0), N = H.size(1);
  std::vector<int> idx(static_cast<size_t>(m));
  std::iota(idx.begin(), idx.end(), 0);
  if (max_points > 0 && m > max_points) {
    Rng rng(derive_seed(seed, 0xe7b1));
    rng.shuffle(idx);
    idx.resize(size_t(max_points));
    std::sort(idx.begin(), idx.end());
  }
  ExplorerFrame f;
  f.epoch = epoch, f.accuracy = accuracy, f.index = idx;
  f.H = Tensor({int(idx.size()), N});
  for (size_t i = 0; i < idx.size(); ++i) {
    for (int k = 0; k < N; ++k) f.H.at(int(i), k) = H.at(idx[i], k);
    f.y.push_back(y[size_t(idx[i])]);
  }
  if (W.numel()) f.W = W.clone();
  if (C.numel()) f.C = C.clone();
  f.probes = probe_points(obj, f.H, f.y, f.W.numel() ? f.W : f.C);
  if (objective_needs_pk(obj.name()) && pk_P > 0)
    probe_pk_batches(obj, f.H, f.y, pk_P, pk_K, seed, f.probes);
  f.W_push = class_weight_push(obj, f.H, f.y);
  return f;
}

FrameView project_frame(const ExplorerFrame& f) {
  const PrincipalAxes pa = principal_axes2(f.H);
  auto project = [&](const Tensor& t, bool unit) {
    if (t.dim() != 2 || t.numel() == 0) return Tensor();
    const int rows = t.size(0), N = t.size(1);
    Tensor out({rows, 2});
    for (int i = 0; i < rows; ++i) {
      double len = 0;
      for (int k = 0; k < N; ++k) len += double(t.at(i, k)) * t.at(i, k);
      const double scale = unit ? 1 / std::max(std::sqrt(len), 1e-12) : 1;
      for (int c = 0; c < 2; ++c) {
        double s = 0;
        for (int k = 0; k < N; ++k) s += t.at(i, k) * pa.axes[size_t(c)][size_t(k)];
        out.at(i, c) = real(s * scale);
      }
    }
    return out;
  };
  FrameView v;
  v.H = project(f.H, false), v.Hn = project(f.H, true), v.W = project(f.W, false), v.Wn = project(f.W, true);
  v.C = project(f.C, false), v.Cn = project(f.C, true), v.W_push = project(f.W_push, false), v.grad = project(f.probes.neg_grad, false);
  return v;
}

std::string explorer_points_json(const ExplorerFrame& f) {
  std::vector<std::string> rows;
  const int N = f.H.size(1);
  for (size_t i = 0; i < f.y.size(); ++i) {
    std::vector<double> g;
    for (int k = 0; k < N; ++k) g.push_back(f.probes.neg_grad.at(int(i), k));
    JsonObject j;
    j.add("index", f.index[i]).add("label", f.y[i]).add("theta_y_deg", f.probes.theta_deg[i]);
    j.add("psi", f.probes.psi[i]).add("loss", f.probes.loss[i]).add_raw("neg_grad", nums(g));
    if (!f.probes.batch.empty()) j.add_raw("batch", f.probes.batch[i] < 0 ? "null" : std::to_string(f.probes.batch[i]));
    rows.push_back(j.str(0));
  }
  return json_array(rows, 0);
}

void write_explorer(const std::string& path, const ExplorerPage& page) {
  if (page.runs.empty()) throw Error("explorer page " + path + ": no runs to show");
  std::vector<std::string> runs;
  for (const ExplorerRun& r : page.runs) {
    if (r.dim < 2)
      throw Error("explorer page " + path + ": run '" + r.title + "' has dim " + std::to_string(r.dim) +
                  "; the page draws features of 2 or more dimensions");
    if (r.frames.empty()) throw Error("explorer page " + path + ": run '" + r.title + "' has no frames");
    runs.push_back(run_json(r));
  }
  // The PNGs' class colours (class_color), so page and pictures agree.
  int K = 0;
  for (const ExplorerRun& r : page.runs) {
    K = std::max(K, int(r.names.size()));
    for (const ExplorerFrame& f : r.frames)
      for (int y : f.y) K = std::max(K, y + 1);
  }
  std::vector<std::string> colors;
  for (int k = 0; k < K; ++k) {
    const Color c = class_color(k);
    char hex[16];
    std::snprintf(hex, sizeof hex, "\"#%02x%02x%02x\"", c.r, c.g, c.b);
    colors.push_back(hex);
  }
  JsonObject data;
  data.add_raw("colors", json_array(colors, 0));
  data.add("title", page.title).add("points", page.points).add_raw("runs", json_array(runs, 0)).add("table", page.table);
  data.add_raw("playground", page.playground ? margin_playground_json() : "null");
  std::string html;
  html += "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>" + html_escape(page.title) +
          "</title>\n<style>\n" + kExplorerStyle + "</style>\n</head><body>\n";
  html += "<script id=\"fg-data\" type=\"application/json\">" + script_safe(data.str(0)) + "</script>\n";
  html += "<script>\n" + script_safe(std::string(kExplorerScript) + kExplorerPlaygroundScript) + "</script>\n</body></html>\n";
  write_text_atomic(path, html);
}

}  // namespace fg
