#include "layers/sequential.hpp"

namespace fg {

Module& Sequential::add(std::unique_ptr<Module> child, std::string name) {
  if (!child) throw Error("Sequential::add: the child is empty");
  if (name.empty()) name = std::to_string(children_.size());
  if (name.find('.') != std::string::npos)
    throw Error("Sequential::add: a child's name may not contain '.', got \"" + name + "\"");
  for (auto& c : children_)
    if (c.first == name) throw Error("Sequential::add: a child named \"" + name + "\" exists");
  child->set_training(training_);
  Module& ref = *child;
  register_module(name, &ref);
  children_.emplace_back(std::move(name), std::move(child));
  return ref;
}

Var Sequential::forward(const Var& x) {
  Var h = x;
  for (auto& c : children_) {
    try {
      h = c.second->forward(h);
    } catch (const Error& e) {  // say where in the tree the error arose
      throw Error("in \"" + c.first + "\": " + e.what());
    }
  }
  return h;
}

std::string Sequential::describe() const {
  std::string s = "Sequential(";
  for (auto& c : children_) s += "\n  " + c.first + ": " + c.second->describe();
  return s + (children_.empty() ? ")" : "\n)");
}

}  // namespace fg
