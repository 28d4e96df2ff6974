// The registry: a loss by name, built from key=value parameters.
//
//   auto loss = make_loss("arcface", {{"s", "64"}, {"m", "0.5"}}, ctx);
//
// Each loss file defines one LossSpec (name, one-line summary, parameters
// with defaults and ranges, and a factory); registry.cpp lists them in one
// table, one line per loss. An unknown name is an fg::Error listing the valid
// names; an unknown parameter or a value out of range is an fg::Error saying
// what is allowed (losses/params.hpp).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "losses/loss.hpp"
#include "losses/params.hpp"

namespace fg {

struct LossSpec {
  std::string name;
  std::string summary;  // one line: what the loss is, in the lecture's words
  std::vector<ParamSpec> params;
  // Builds the loss (make_loss has already rejected keys not in params; the
  // factory reads the values through a ParamReader on the same list).
  std::function<std::unique_ptr<Loss>(const LossParams&, const LossContext&)> make;
};

std::unique_ptr<Loss> make_loss(const std::string& name, const LossParams& params,
                                const LossContext& ctx);

// Adds a loss at run time, after the table's (tests register a loss of their
// own this way); a name already registered is an fg::Error. unregister_loss
// removes one so added; a name of the table, or unknown, is an fg::Error.
void register_loss(LossSpec spec);
void unregister_loss(const std::string& name);

// Every registered name, in the lecture's order.
std::vector<std::string> loss_names();

// The spec of one loss; an unknown name throws, listing the valid ones.
const LossSpec& loss_spec(const std::string& name);

// "arcface  ArcFace: ...\n  s=64  scale; allowed: (0, inf)\n ..." for one loss,
// and the same for all of them.
std::string loss_help(const std::string& name);
std::string all_losses_help();

}  // namespace fg
