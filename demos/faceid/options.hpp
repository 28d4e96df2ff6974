// The faceid command line: every option read and checked before any data is
// loaded (a wrong loss, parameter, width list or P x K exits with 2 at once),
// and the budget every run of one invocation shares.
//
//   const FaceIdCommandLine line = gather_faceid_losses(argc, argv);
//   Args args(line.tokens, kFaceIdUsage, "faceid");
//   const FaceIdOptions o = read_faceid_options(args, line);
#pragma once

#include <string>
#include <vector>

#include "demos/cli/args.hpp"
#include "demos/faceid/run.hpp"

namespace fg {

// The usage line of build/faceid.
extern const char* const kFaceIdUsage;

// The arguments with every --loss value joined into one "--loss=a,b" (--loss
// may be repeated), and the command line as typed.
struct FaceIdCommandLine {
  std::vector<std::string> tokens;
  std::string command;        // "build/faceid --loss arcface ...", quoted by results.md
  bool losses_given = false;  // at least one --loss
};
FaceIdCommandLine gather_faceid_losses(int argc, char** argv);

struct FaceIdOptions {
  std::string command;  // FaceIdCommandLine::command
  std::string data_spec, classes_text, out;
  std::vector<std::string> objectives;  // a run for each, in each of `dims`
  std::vector<LossParams> extra;        // each objective's key=value parameters
  std::vector<int> dims;                // 2 (unless --no-2d), then --dim
  int train_images = 0, per_class = 0, threads = 1;
  FaceIdRunConfig base;  // every run's budget; objective, extra and dim are set per run
};

// Reads every option (--help stops here), then checks the objectives and
// their parameters; a wrong one is an ArgError naming the option.
FaceIdOptions read_faceid_options(Args& args, const FaceIdCommandLine& line);

}  // namespace fg
