// Argument checks the feature demos share, done before any data is loaded
// or any network trained, so a wrong command line ends at once with exit
// code 2 and a message naming the argument (see demos/cli/args.hpp).
//
//   check_data_spec(args, "mnist:/no/such/dir");
//     --data: 'mnist:/no/such/dir': the directory /no/such/dir does not exist (expected ...)
//   check_objective(args, "--loss", "softmax+centre", {}, 2);
//     --loss: objective "softmax+centre", term 2 at column 9: unknown loss 'centre'; valid: ...
#pragma once

#include <string>

#include "demos/cli/args.hpp"
#include "losses/loss.hpp"

namespace fg {

// --data SPEC: the syntax of kDataChoices, an existing directory for
// mnist:DIR and folder:DIR, Fashion-MNIST installed for `fashion`, the four
// files of `make data` in the cache folder for `mnist`.
void check_data_spec(const Args& args, const std::string& spec, const std::string& flag = "--data");

// Builds the objective once (K = 10 classes, dimension dim) to check its
// names and parameters; any error becomes an ArgError about `flag`.
void check_objective(const Args& args, const std::string& flag, const std::string& objective,
                     const LossParams& extra, int dim);

// Creates `dir` (and its parents); an ArgError about `flag` when it cannot.
void make_out_dir(const Args& args, const std::string& flag, const std::string& dir);

}  // namespace fg
