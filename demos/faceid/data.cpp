#include "demos/faceid/data.hpp"

#include <algorithm>
#include <cstdlib>

#include "core/data/batching.hpp"
#include "core/data/digits.hpp"
#include "demos/cli/data_arg.hpp"

namespace fg {

const char* const kFaceIdDataChoices =
    "mnist|mnist:DIR|fashion|digits[:N]|folder:DIR|identities[:IDSxPER]";

namespace {

// The whole number written in s if it lies in [lo, hi], else -1.
long whole(const std::string& s, long lo, long hi) {
  if (s.empty() || s.size() > 9) return -1;
  for (char c : s)
    if (c < '0' || c > '9') return -1;
  const long v = std::strtol(s.c_str(), nullptr, 10);
  return v < lo || v > hi ? -1 : v;
}

// The images at `idx` of `d` as a new set whose labels follow `classes`:
// a sample of class classes[k] gets label k and class_names follow.
Dataset relabelled(const Dataset& d, const std::vector<int>& idx, const std::vector<int>& classes) {
  Dataset out = subset(d, idx);
  std::vector<int> to_new(d.num_classes(), -1);
  for (size_t k = 0; k < classes.size(); ++k) to_new[classes[k]] = static_cast<int>(k);
  for (int& y : out.labels) y = to_new.at(y);
  out.class_names.clear();
  for (int c : classes)
    out.class_names.push_back(c < int(d.class_names.size()) ? d.class_names[c] : std::to_string(c));
  return out;
}

}  // namespace

FaceIdSource load_faceid_source(const std::string& spec, uint64_t seed) {
  FaceIdSource src;
  if (spec == "identities" || spec.rfind("identities:", 0) == 0) {
    long ids = 100, per = 60;
    if (spec.size() > 11) {
      const std::string rest = spec.substr(11);
      const size_t x = rest.find('x');
      ids = x == std::string::npos ? -1 : whole(rest.substr(0, x), 3, 100);
      per = x == std::string::npos ? -1 : whole(rest.substr(x + 1), 4, 1000);
      if (ids < 0 || per < 0)
        throw Error(
            "--data " + spec +
            ": expected identities:IDSxPER with IDS in 3..100 identities and PER in 4..1000 "
            "images each (e.g. identities:100x60)");
    }
    src.train = make_identities(int(ids), int(per), derive_seed(seed, 0x1d));
    src.description = "synthetic identities (" + std::to_string(ids) + " x " + std::to_string(per) +
                      " images, seed " + std::to_string(seed) + ")";
    return src;
  }
  const bool known = spec == "mnist" || spec == "fashion" || spec == "digits" || spec.rfind("digits:", 0) == 0 ||
                     spec.rfind("mnist:", 0) == 0 || spec.rfind("folder:", 0) == 0;
  if (!known)
    throw Error("--data: '" + spec + "' is not one of " + std::string(kFaceIdDataChoices));
  DataSplit d = load_data(spec, seed);
  if (d.train.num_classes() != d.test.num_classes())
    throw Error("--data " + spec + ": the training split has " +
                std::to_string(d.train.num_classes()) + " classes but the test split " +
                std::to_string(d.test.num_classes()));
  src.train = std::move(d.train);
  src.test = std::move(d.test);
  src.description = d.description;
  return src;
}

std::vector<int> default_train_classes(int num_classes) {
  const int k = std::max(1, std::min(num_classes - 2, (num_classes * 6) / 10));
  std::vector<int> c(k);
  for (int i = 0; i < k; ++i) c[i] = i;
  return c;
}

std::vector<int> parse_class_list(const std::string& text, int num_classes) {
  const std::string range = "0.." + std::to_string(num_classes - 1);
  std::vector<int> out;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t comma = text.find(',', pos);
    if (comma == std::string::npos) comma = text.size();
    const std::string piece = text.substr(pos, comma - pos);
    const size_t dash = piece.find('-');
    const long a = whole(piece.substr(0, dash), 0, num_classes - 1);
    const long b =
        dash == std::string::npos ? a : whole(piece.substr(dash + 1), 0, num_classes - 1);
    if (a < 0 || b < 0 || b < a)
      throw Error("'" + piece + "' is not a class or a range A-B of classes in " + range +
                  " (write e.g. 0-5 or 0,2,4-6)");
    for (long c = a; c <= b; ++c) {
      if (std::find(out.begin(), out.end(), int(c)) != out.end())
        throw Error("class " + std::to_string(c) + " is listed twice");
      out.push_back(int(c));
    }
    pos = comma + 1;
  }
  if (int(out.size()) > num_classes - 2)
    throw Error("'" + text + "' leaves " + std::to_string(num_classes - int(out.size())) +
                " of the " + std::to_string(num_classes) +
                " classes unseen; at least two must stay unseen for verification");
  return out;
}

FaceIdData split_faceid(const FaceIdSource& src, const std::vector<int>& train_classes,
                        const FaceIdSplitOptions& o) {
  const int K = src.train.num_classes();
  FaceIdData out;
  out.seen_classes = train_classes;
  out.unseen_classes = other_classes(K, train_classes);
  if (train_classes.empty() || out.unseen_classes.size() < 2)
    throw Error("split_faceid: need at least one seen and two unseen classes of " +
                std::to_string(K));
  const bool single = src.test.size() == 0;
  const auto train_by = indices_by_class(src.train.labels, K);
  const auto test_by =
      single ? std::vector<std::vector<int>>(K) : indices_by_class(src.test.labels, K);
  Rng rng(derive_seed(o.seed, 0xfaceull));

  // Seen classes: training images and held-out images.
  std::vector<int> train_idx, seen_test_idx, test_of_train_idx;
  for (int c : train_classes) {
    std::vector<int> tr = train_by[c];
    if (single) {  // every 6th image of the identity is held out
      std::vector<int> keep;
      for (size_t k = 0; k < tr.size(); ++k)
        (k % 6 == 5 ? test_of_train_idx : keep).push_back(tr[k]);
      tr = keep;
    }
    if (tr.empty())
      throw Error("split_faceid: seen class " + std::to_string(c) + " has no training image in " +
                  src.train.name);
    train_idx.insert(train_idx.end(), tr.begin(), tr.end());
  }
  if (o.train_images > 0 && o.train_images < int(train_idx.size())) {
    rng.shuffle(train_idx);
    train_idx.resize(o.train_images);
    std::sort(train_idx.begin(), train_idx.end());
  }
  out.train = relabelled(src.train, train_idx, train_classes);
  out.train.name = src.train.name + " (seen classes)";

  if (o.seen_test_per_class > 0) {
    const Dataset& from = single ? src.train : src.test;
    std::vector<int> held;
    for (int c : train_classes) {
      std::vector<int> pool;
      if (single) {
        for (int i : test_of_train_idx)
          if (from.labels[i] == c) pool.push_back(i);
      } else {
        pool = test_by[c];
      }
      rng.shuffle(pool);
      if (int(pool.size()) > o.seen_test_per_class) pool.resize(o.seen_test_per_class);
      held.insert(held.end(), pool.begin(), pool.end());
    }
    std::sort(held.begin(), held.end());
    if (!held.empty()) {
      out.seen_test = relabelled(from, held, train_classes);
      out.seen_test.name = from.name + " (seen classes, held out)";
    }
  }

  // Unseen classes: test images first, then training images, up to per_class.
  std::vector<int> from_test, from_train;
  for (int c : out.unseen_classes) {
    std::vector<int> a = test_by[c], b = train_by[c];
    rng.shuffle(a);
    rng.shuffle(b);
    int take = o.per_class;
    for (int i : a)
      if (take-- > 0) from_test.push_back(i);
    for (int i : b)
      if (take-- > 0) from_train.push_back(i);
    if (int(a.size() + b.size()) < 2)
      throw Error("split_faceid: unseen class " + std::to_string(c) + " has " +
                  std::to_string(a.size() + b.size()) + " images; a verification needs at least 2");
  }
  std::sort(from_test.begin(), from_test.end());
  std::sort(from_train.begin(), from_train.end());
  Dataset u = relabelled(src.train, from_train, out.unseen_classes);
  if (!from_test.empty()) {
    Dataset t = relabelled(src.test, from_test, out.unseen_classes);
    if (u.size() > 0) {  // join: test images first
      Tensor images({t.size() + u.size(), t.channels(), t.height(), t.width()});
      std::copy(t.images.data(), t.images.data() + t.images.numel(), images.data());
      std::copy(u.images.data(), u.images.data() + u.images.numel(),
                images.data() + t.images.numel());
      t.labels.insert(t.labels.end(), u.labels.begin(), u.labels.end());
      t.images = images;
    }
    u = std::move(t);
  }
  out.unseen = std::move(u);
  out.unseen.name = src.train.name + " (unseen classes)";

  auto names = [&](const std::vector<int>& cs) {
    std::string s;
    for (size_t k = 0; k < cs.size() && k < 12; ++k) {
      const int c = cs[k];
      s += (s.empty() ? "" : ", ") +
           (c < int(src.train.class_names.size()) ? src.train.class_names[c] : std::to_string(c));
    }
    return cs.size() > 12 ? s + ", ..." : s;
  };
  out.description = src.description + "; training on " + std::to_string(train_classes.size()) +
                    " classes (" + names(train_classes) + "), " + std::to_string(out.train.size()) +
                    " images; evaluating on " + std::to_string(out.unseen_classes.size()) +
                    " unseen classes (" + names(out.unseen_classes) + "), " +
                    std::to_string(out.unseen.size()) + " images";
  return out;
}

}  // namespace fg
