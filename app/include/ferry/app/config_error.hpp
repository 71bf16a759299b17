// The error of a configuration the user must fix.
#pragma once

#include <stdexcept>

namespace ferry::app {

// A configuration the user must fix: the message names file:line:col and the key.
class ConfigError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

} // namespace ferry::app
