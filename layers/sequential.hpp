// Sequential: children applied in order, y = f_n(... f_2(f_1(x))).
// Each child's entries are prefixed with its name: the position ("0.weight",
// "1.alpha") unless a name is given ("conv1.weight").
#pragma once

#include <memory>
#include <utility>

#include "layers/module.hpp"

namespace fg {

class Sequential : public Module {
 public:
  Sequential() = default;

  // Appends a child, named by its position or by `name`; returns it.
  Module& add(std::unique_ptr<Module> child, std::string name = "");
  // Builds and appends a child in place:  auto& c = seq.emplace<Conv2d>("conv1", 1, 32, 5, rng);
  template <class M, class... Args>
  M& emplace(std::string name, Args&&... args) {
    auto m = std::make_unique<M>(std::forward<Args>(args)...);
    M& ref = *m;
    add(std::move(m), std::move(name));
    return ref;
  }

  Var forward(const Var& x) override;
  std::string describe() const override;  // one child per line

  size_t size() const { return children_.size(); }
  Module& operator[](size_t i) const { return *children_.at(i).second; }
  const std::string& name_of(size_t i) const { return children_.at(i).first; }

 private:
  std::vector<std::pair<std::string, std::unique_ptr<Module>>> children_;
};

}  // namespace fg
