// Where the triplet losses (triplet, tse, tpe) get their triplets: the rows
// given in LossInput::triplets, used as given (indices checked), or else the
// ones a mining rule picks from the batch. Each remembers the triplets of its
// last forward, so a demo can count them:
//
//   if (auto* t = dynamic_cast<const TripletSource*>(&loss)) n += t->last_triplets().size();
#pragma once

#include <string>
#include <vector>

#include "losses/euclidean.hpp"
#include "losses/mining.hpp"

namespace fg {

class TripletSource {
 public:
  virtual ~TripletSource() = default;
  const std::vector<Triplet>& last_triplets() const { return last_; }
  Mining mining() const { return mining_; }

 protected:
  // The "mining" value r reads, with the loss's name in the error.
  void read_mining(const std::string& loss, const ParamReader& r) {
    try {
      mining_ = parse_mining(r.text("mining"));
    } catch (const Error& e) {
      throw Error(loss + ": " + e.what());
    }
  }
  // The explicit triplets if given, else those of the mining rule on the m x m
  // dissimilarity table d (computed only when needed, by `table`).
  template <class Table>
  const std::vector<Triplet>& pick(const char* loss, const LossInput& in, real alpha, Table table) {
    const int m = in.h.shape()[0];
    if (in.triplets) {
      check_triplets(loss, *in.triplets, m);
      last_ = *in.triplets;
    } else if (mining_ == Mining::All) {
      last_ = all_triplets(in.y);  // needs no distances
    } else {
      last_ = select_triplets_by(mining_, table(), in.y, alpha);
    }
    return last_;
  }

 private:
  Mining mining_ = Mining::All;
  std::vector<Triplet> last_;
};

}  // namespace fg
