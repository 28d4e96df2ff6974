// The LossSpec of a loss class whose constructor reads its values from a
// ParamReader over the same parameter list the spec shows in --help:
//
//   return reader_spec<ArcFace>("arcface", "ArcFace: ...", arcface_params());
//
// is the spec whose make() builds ArcFace(ctx, ParamReader("arcface", p, arcface_params())).
// A class that serves several names (AM-Softmax and CosFace share one) is
// built as L(name, ctx, reader) instead.
#pragma once

#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "losses/params.hpp"
#include "losses/registry.hpp"

namespace fg {

template <class L>
LossSpec reader_spec(std::string name, std::string summary, std::vector<ParamSpec> params) {
  auto make = [name, params](const LossParams& p, const LossContext& ctx) {
    const ParamReader r(name, p, params);
    if constexpr (std::is_constructible_v<L, std::string, const LossContext&, const ParamReader&>)
      return std::unique_ptr<Loss>(new L(name, ctx, r));
    else
      return std::unique_ptr<Loss>(new L(ctx, r));
  };
  return {std::move(name), std::move(summary), std::move(params), std::move(make)};
}

}  // namespace fg
