// The data of the faceid demo: some classes to train on, the others kept
// unseen for evaluation, the way face recognition is measured on people the
// network never met.
//
//   seen classes     training images (labels 0..k-1 in the order the classes
//                    were listed) and a few held-out images of the same
//                    classes (closed-set accuracy of the classifier);
//   unseen classes   up to `per_class` images of each (labels 0..u-1), the set
//                    every verification and identification metric uses.
//
// Data sources: everything demos/cli/data_arg.hpp loads (mnist, fashion,
// mnist:DIR, digits[:N], folder:DIR), where unseen images come from the test
// split first and then from the training split (the class is unseen either
// way), and synthetic identities,
//
//   identities            100 identities x 60 images (core/data/digits.hpp make_identities)
//   identities:IDSxPER    IDS identities (2..100) x PER images (4..1000)
//
// which form one set: every 6th image of a seen identity is held out.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/data/dataset.hpp"

namespace fg {

// "mnist|mnist:DIR|fashion|digits[:N]|folder:DIR|identities[:IDSxPER]", for usage lines.
extern const char* const kFaceIdDataChoices;

// The loaded data before the split. For the identities, `test` is empty and
// the seen classes' held-out images come out of `train`.
struct FaceIdSource {
  Dataset train, test;
  std::string description;
};

// Loads the data named by `spec`; `seed` drives the synthetic sets. An
// unknown spec is an fg::Error listing the choices.
FaceIdSource load_faceid_source(const std::string& spec, uint64_t seed);

struct FaceIdSplitOptions {
  int train_images = 0;           // > 0: a seeded random subset of the seen classes' images
  int seen_test_per_class = 100;  // held-out images of each seen class (0: none)
  int per_class = 300;            // images of each unseen class (at most)
  uint64_t seed = 1;
};

struct FaceIdData {
  Dataset train;      // seen classes, labels 0..k-1, class_names of those classes
  Dataset seen_test;  // seen classes, the same labels, images not in train
  Dataset unseen;     // unseen classes, labels 0..u-1
  std::vector<int> seen_classes, unseen_classes;  // labels of the source data
  std::string description;                        // one line for logs and results.md
};

// The first 60% of the classes (at least 1, at most all but 2): for ten
// classes 0..5, leaving four unseen.
std::vector<int> default_train_classes(int num_classes);

// Parses "0-5", "0,2,4-6": distinct class labels in [0, num_classes), at
// least one, and at least two classes left unseen (a verification needs two
// identities). Errors (fg::Error) name the offending piece and the range.
std::vector<int> parse_class_list(const std::string& text, int num_classes);

// Splits the source: `train_classes` are seen, the rest unseen. Throws
// fg::Error when a seen class has no training image or an unseen class has
// fewer than two images.
FaceIdData split_faceid(const FaceIdSource& src, const std::vector<int>& train_classes,
                        const FaceIdSplitOptions& o);

}  // namespace fg
