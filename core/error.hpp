// The one error type. Every error that a user can cause (bad shape, bad file,
// bad argument) is an fg::Error with a message that says what was wrong.
// It sits below everything else in core, so the kernels can throw it without
// knowing the Tensor.
#pragma once

#include <stdexcept>

namespace fg {

struct Error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

}  // namespace fg
