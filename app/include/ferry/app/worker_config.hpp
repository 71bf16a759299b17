// Reading a native worker's WORKER.yaml (docs/native-worker.md) into a worker::WorkerSpec.
#pragma once

#include "ferry/worker/worker_spec.hpp"

#include <string>

namespace ferry::app {

// Reads and checks `path`: every key typed, unknown keys refused with a suggestion, model paths
// resolved against the file's directory after ${VAR} / ${VAR:-default} expansion. Throws
// ConfigError naming file:line:col and the key.
[[nodiscard]] worker::WorkerSpec load_worker_spec(const std::string& path);

// Expands ${NAME} and ${NAME:-default} in `text` from the environment; throws ConfigError
// (prefixed by `where`) for an unset NAME without a default or an unclosed ${.
[[nodiscard]] std::string expand_environment(const std::string& text, const std::string& where);

} // namespace ferry::app
