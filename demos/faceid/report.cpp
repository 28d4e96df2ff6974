// The faceid tables: Markdown for people, JSON for scripts. The pictures are
// in plots.cpp.
#include "demos/faceid/report.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace fg {

namespace {

std::string fmt(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

const CollapsePoint* final_collapse(const FaceIdRunResult& r) {
  return r.epochs.empty() ? nullptr : &r.epochs.back().collapse;
}

std::string row(const std::vector<std::string>& cells) {
  std::string s = "|";
  for (const auto& c : cells) s += " " + c + " |";
  return s + "\n";
}

// Numbers right-aligned; the loss column and the text columns listed in `left`.
std::string rule(size_t n, std::vector<size_t> left = {}) {
  left.push_back(0);
  std::string s = "|";
  for (size_t k = 0; k < n; ++k)
    s += std::find(left.begin(), left.end(), k) != left.end() ? " --- |" : " ---: |";
  return s + "\n";
}

std::string code(const std::string& s) { return "`" + s + "`"; }

// ---- JSON ------------------------------------------------------------------

std::string jstr(const std::string& s) {
  std::string o = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      o += '\\';
      o += char(c);
    } else if (c == '\n') {
      o += "\\n";
    } else if (c < 0x20) {
      o += fmt("\\u%04x", c);
    } else {
      o += char(c);
    }
  }
  return o + "\"";
}

std::string jnum(double v) { return std::isfinite(v) ? fmt("%.6g", v) : "null"; }

std::string jnc2(const Nc2& n) {
  return "{\"equinorm\": " + jnum(n.equinorm) + ", \"equiangularity\": " + jnum(n.equiangularity) +
         ", \"max_angle\": " + jnum(n.max_angle) + "}";
}

std::string jcollapse(const CollapsePoint& p) {
  return "{\"nc1\": " + jnum(p.nc1) + ", \"nc2_means\": " + jnc2(p.means) +
         ", \"nc2_classifier\": " + jnc2(p.classifier) + ", \"nc3\": " + jnum(p.nc3) +
         ", \"nc4\": " + jnum(p.nc4) + ", \"classes\": " + std::to_string(p.classes) + "}";
}

}  // namespace

std::string run_slug(const FaceIdRunResult& r) {
  std::string s;
  for (char c : r.objective) {
    const bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '.' || c == '-';
    s += keep ? c : '_';
  }
  return s + "_d" + std::to_string(r.dim);
}

std::string fmt_metric(double v) {
  if (!std::isfinite(v)) return "-";
  if (v != 0 && std::fabs(v) < 1e-3) return fmt("%.1e", v);
  return fmt("%.3f", v);
}

std::string results_markdown(const std::vector<FaceIdRunResult>& runs,
                             const FaceIdReportInfo& info) {
  std::string md = "# FaceID evaluation on unseen classes\n\n";
  md += "Command: " + code(info.command) + "  \n";
  md += "Data: " + info.data + "  \n";
  md += "Training: " + info.training + "  \n";
  md += "Evaluation: " + info.evaluation + "  \n";
  md += "Time: " + fmt("%.0f", info.seconds) + " s wall clock for everything, " +
        std::to_string(info.threads) + (info.threads == 1 ? " thread.\n\n" : " threads.\n\n");

  md += "## Summary\n\n";
  md +=
      "Verification and identification on classes no run saw in training; NC1 on "
      "training embeddings after the last epoch.\n\n";
  const std::vector<std::string> head = {"loss",    "dim",    "TAR@FAR=1e-2",  "EER",
                                         "LFW acc", "rank-1", "DIR@FPIR=1e-2", "NC1 final"};
  md += row(head) + rule(head.size());
  for (const auto& r : runs) {
    if (!r.error.empty()) {
      md += row({code(r.objective), std::to_string(r.dim), "failed", "-", "-", "-", "-", "-"});
      continue;
    }
    const auto& v = r.verification;
    const auto& id = r.identification;
    const CollapsePoint* c = final_collapse(r);
    md += row({code(r.objective), std::to_string(r.dim), fmt_metric(v.tar[1].tar),
               fmt_metric(v.eer.eer), fmt_metric(v.lfw.mean_accuracy), fmt_metric(id.rank1),
               fmt_metric(id.dir[1].dir), c ? fmt_metric(c->nc1) : "-"});
  }

  md +=
      "\n## Verification\n\nTAR at FAR: the largest true accept rate whose false accept rate "
      "does not exceed the target. LFW: 10 folds, threshold chosen on 9, accuracy on the 10th "
      "(mean ± std).\n\n";
  const std::vector<std::string> vh = {
      "loss",         "dim", "TAR@FAR=1e-1", "TAR@FAR=1e-2",
      "TAR@FAR=1e-3", "EER", "LFW acc",      "genuine / impostor pairs"};
  md += row(vh) + rule(vh.size());
  for (const auto& r : runs) {
    if (!r.error.empty()) continue;
    const auto& v = r.verification;
    md += row({code(r.objective), std::to_string(r.dim), fmt_metric(v.tar[0].tar),
               fmt_metric(v.tar[1].tar), fmt_metric(v.tar[2].tar), fmt_metric(v.eer.eer),
               fmt_metric(v.lfw.mean_accuracy) + " ± " + fmt_metric(v.lfw.std_accuracy),
               std::to_string(v.genuine) + " / " + std::to_string(v.impostor)});
  }

  md +=
      "\n## Identification\n\nClosed set: rank-k = fraction of probes whose own identity is "
      "among the k most similar enrolled ones. Open set: DIR at FPIR = the fraction of mated "
      "probes named correctly with similarity >= theta, at the smallest theta that names at "
      "most that fraction of the non-mated probes.\n\n";
  const std::vector<std::string> ih = {"loss",
                                       "dim",
                                       "rank-1",
                                       "rank-5",
                                       "DIR@FPIR=1e-1 (theta)",
                                       "DIR@FPIR=1e-2 (theta)",
                                       "gallery / probes"};
  md += row(ih) + rule(ih.size());
  bool small_gallery = false;
  for (const auto& r : runs) {
    if (!r.error.empty()) continue;
    const auto& id = r.identification;
    small_gallery = small_gallery || id.closed_identities <= 5;
    auto dir = [](const DirAtFpir& d) {
      return fmt_metric(d.dir) + " (" + (std::isfinite(d.theta) ? fmt("%.3f", d.theta) : "-inf") +
             ")";
    };
    md += row({code(r.objective), std::to_string(r.dim), fmt_metric(id.rank1), fmt_metric(id.rank5),
               dir(id.dir[0]), dir(id.dir[1]),
               std::to_string(id.closed_identities) + " / " + std::to_string(id.closed_probes) +
                   " closed; " + std::to_string(id.open_identities) + " / " +
                   std::to_string(id.mated) + " + " + std::to_string(id.nonmated) + " open"});
  }
  if (small_gallery)
    md +=
        "\nWith 5 or fewer enrolled identities rank-5 is 1 by definition; the open set leaves "
        "some of the few unseen classes out of the gallery, so it is a coarse measure here "
        "(`--data identities` has 40 unseen identities).\n";

  md +=
      "\n## Neural collapse\n\nOn training embeddings of the seen classes after the last "
      "epoch (Papyan, Han and Donoho 2020). NC1 = Tr(Sigma_W Sigma_B^+) / K; NC2: std/mean of "
      "the norms and std of the pairwise cosines, of the centred class means M and of the "
      "classifier rows W; NC3 = ||W/||W|| - M/||M|| ||_F; NC4 = fraction of samples where the "
      "classifier and the nearest class mean disagree. All are 0 at full collapse.\n\n";
  const std::vector<std::string> nh = {
      "loss",        "dim",           "NC1", "NC2 norms M", "NC2 cosines M",
      "NC2 norms W", "NC2 cosines W", "NC3", "NC4",         "classifier"};
  md += row(nh) + rule(nh.size(), {9});
  for (const auto& r : runs) {
    const CollapsePoint* c = final_collapse(r);
    if (!c) continue;
    md += row({code(r.objective), std::to_string(r.dim), fmt_metric(c->nc1),
               fmt_metric(c->means.equinorm), fmt_metric(c->means.equiangularity),
               fmt_metric(c->classifier.equinorm), fmt_metric(c->classifier.equiangularity),
               fmt_metric(c->nc3), fmt_metric(c->nc4), r.classifier});
  }

  md += "\n## Runs\n\n";
  const std::vector<std::string> rh = {
      "loss",    "dim",    "batches", "final train loss", "seen-class accuracy",
      "train s", "eval s", "pictures"};
  md += row(rh) + rule(rh.size(), {2, 7});
  for (const auto& r : runs) {
    const std::string slug = run_slug(r);
    const EpochRecord* e = r.epochs.empty() ? nullptr : &r.epochs.back();
    std::string pics = "[roc](" + slug + "/roc.png), [angles](" + slug +
                       "/angles.png), [collapse](" + slug + "/collapse.png)";
    if (r.dim == 2 && r.error.empty()) pics += ", [features](" + slug + "/features.png)";
    md += row({code(r.objective), std::to_string(r.dim), r.batches,
               e && std::isfinite(e->train_loss) ? fmt("%.4f", e->train_loss) : "-",
               e && e->seen_accuracy >= 0 ? fmt("%.3f", e->seen_accuracy) : "-",
               fmt("%.0f", r.train_seconds), fmt("%.0f", r.eval_seconds), pics});
  }
  for (const auto& r : runs)
    if (!r.error.empty())
      md +=
          "\n" + code(r.objective) + " (" + std::to_string(r.dim) + "-D) failed: " + r.error + "\n";
  return md;
}

std::string results_json(const std::vector<FaceIdRunResult>& runs, const FaceIdReportInfo& info) {
  std::string j = "{\n  \"command\": " + jstr(info.command) + ",\n  \"data\": " + jstr(info.data) +
                  ",\n  \"training\": " + jstr(info.training) +
                  ",\n  \"evaluation\": " + jstr(info.evaluation) +
                  ",\n  \"seconds\": " + jnum(info.seconds) +
                  ",\n  \"threads\": " + std::to_string(info.threads) + ",\n  \"runs\": [";
  for (size_t k = 0; k < runs.size(); ++k) {
    const auto& r = runs[k];
    j += k ? ",\n    {" : "\n    {";
    j += "\"loss\": " + jstr(r.objective) + ", \"describe\": " + jstr(r.describe) +
         ", \"dim\": " + std::to_string(r.dim) + ", \"slug\": " + jstr(run_slug(r)) +
         ", \"batches\": " + jstr(r.batches) + ", \"classifier\": " + jstr(r.classifier) +
         ", \"train_seconds\": " + jnum(r.train_seconds) +
         ", \"eval_seconds\": " + jnum(r.eval_seconds);
    if (!r.error.empty()) j += ", \"error\": " + jstr(r.error);
    j += ",\n     \"epochs\": [";
    for (size_t e = 0; e < r.epochs.size(); ++e) {
      const auto& ep = r.epochs[e];
      j += std::string(e ? "," : "") + "\n       {\"epoch\": " + std::to_string(ep.epoch) +
           ", \"train_loss\": " + jnum(ep.train_loss) +
           ", \"seen_accuracy\": " + (ep.seen_accuracy >= 0 ? jnum(ep.seen_accuracy) : "null") +
           ", \"seconds\": " + jnum(ep.seconds) + ", \"collapse\": " + jcollapse(ep.collapse) + "}";
    }
    j += "]";
    if (r.error.empty()) {
      const auto& v = r.verification;
      j += ",\n     \"verification\": {\"genuine_pairs\": " + std::to_string(v.genuine) +
           ", \"impostor_pairs\": " + std::to_string(v.impostor) + ", \"tar_at_far\": [";
      for (size_t t = 0; t < v.tar.size(); ++t)
        j += std::string(t ? ", " : "") + "{\"far_target\": " + jnum(v.tar[t].far_target) +
             ", \"tar\": " + jnum(v.tar[t].tar) + ", \"far\": " + jnum(v.tar[t].far) +
             ", \"threshold\": " + jnum(v.tar[t].threshold) + "}";
      j += "], \"eer\": " + jnum(v.eer.eer) + ", \"eer_threshold\": " + jnum(v.eer.threshold) +
           ", \"lfw_accuracy_mean\": " + jnum(v.lfw.mean_accuracy) +
           ", \"lfw_accuracy_std\": " + jnum(v.lfw.std_accuracy) +
           ", \"lfw_pairs_each\": " + std::to_string(v.lfw_pairs_each) + "}";
      const auto& id = r.identification;
      j += ",\n     \"identification\": {\"enroll_per_identity\": " +
           std::to_string(id.enroll_per_identity) +
           ", \"closed_identities\": " + std::to_string(id.closed_identities) +
           ", \"closed_probes\": " + std::to_string(id.closed_probes) +
           ", \"rank1\": " + jnum(id.rank1) + ", \"rank5\": " + jnum(id.rank5) +
           ", \"open_identities\": " + std::to_string(id.open_identities) +
           ", \"mated\": " + std::to_string(id.mated) +
           ", \"nonmated\": " + std::to_string(id.nonmated) + ", \"dir_at_fpir\": [";
      for (size_t t = 0; t < id.dir.size(); ++t)
        j += std::string(t ? ", " : "") + "{\"fpir_target\": " + jnum(id.dir[t].fpir_target) +
             ", \"dir\": " + jnum(id.dir[t].dir) + ", \"fpir\": " + jnum(id.dir[t].fpir) +
             ", \"theta\": " + jnum(id.dir[t].theta) + "}";
      j += "]}";
    }
    j += "}";
  }
  return j + "\n  ]\n}\n";
}

}  // namespace fg
