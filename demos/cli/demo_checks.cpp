#include "demos/cli/demo_checks.hpp"

#include <cstdlib>
#include <filesystem>

#include "core/data/idx.hpp"
#include "core/data/mnist.hpp"
#include "demos/cli/data_arg.hpp"
#include "losses/objective.hpp"

namespace fg {

namespace {

bool starts_with(const std::string& s, const char* prefix) { return s.rfind(prefix, 0) == 0; }

void check_dir(const Args& args, const std::string& flag, const std::string& spec, const std::string& dir) {
  const std::string expect = std::string(" (expected ") + kDataChoices + ")";
  if (dir.empty()) args.fail(flag, "'" + spec + "': the directory is missing after ':'" + expect);
  std::error_code ec;
  if (!std::filesystem::exists(dir, ec))
    args.fail(flag, "'" + spec + "': the directory " + dir + " does not exist" + expect);
  if (!std::filesystem::is_directory(dir, ec))
    args.fail(flag, "'" + spec + "': " + dir + " is not a directory" + expect);
}

}  // namespace

void check_data_spec(const Args& args, const std::string& spec, const std::string& flag) {
  const std::string expect = std::string(" (expected ") + kDataChoices + ")";
  if (spec == "fashion") {
    if (!fashion_mnist_available())
      args.fail(flag, std::string("Fashion-MNIST is not installed in ") + kFashionMnistDir +
                          " (`make deps` installs Debian's dataset-fashion-mnist; --data digits needs nothing)");
  } else if (spec == "mnist") {
    std::string dir;
    try {
      dir = mnist_cache_dir();
    } catch (const Error& e) {
      args.fail(flag, e.what());
    }
    const std::vector<std::string> missing = missing_mnist_files(dir);
    if (!missing.empty())
      args.fail(flag, "MNIST is not in " + dir + " (missing " + missing[0] +
                          (missing.size() > 1 ? " and " + std::to_string(missing.size() - 1) + " more" : "") +
                          "): run `make data` to fetch it (once, about 11 MB); --data digits needs nothing");
  } else if (starts_with(spec, "mnist:")) {
    check_dir(args, flag, spec, spec.substr(6));
  } else if (starts_with(spec, "folder:")) {
    check_dir(args, flag, spec, spec.substr(7));
  } else if (spec == "digits") {
  } else if (starts_with(spec, "digits:")) {
    char* end = nullptr;
    const std::string n = spec.substr(7);
    const long v = std::strtol(n.c_str(), &end, 10);
    if (n.empty() || *end != '\0' || v < 10 || v > 1000000)
      args.fail(flag, "'" + spec + "': expected digits:N with N a whole number in 10..1000000");
  } else {
    args.fail(flag, "'" + spec + "' is not a data set" + expect);
  }
}

void check_objective(const Args& args, const std::string& flag, const std::string& objective,
                     const LossParams& extra, int dim) {
  LossContext ctx;
  ctx.num_classes = 10;
  ctx.dim = dim;
  try {
    make_objective(objective, ctx, extra);
  } catch (const Error& e) {
    args.fail(flag, e.what());
  }
}

void make_out_dir(const Args& args, const std::string& flag, const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec || !std::filesystem::is_directory(dir, ec))
    args.fail(flag, "cannot create the directory " + dir + (ec ? " (" + ec.message() + ")" : ""));
}

}  // namespace fg
