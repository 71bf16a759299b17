// Picks the Python interpreter for local worker pools: one that can import the worker's needs.
#pragma once

#include "ferry/app/pipeline_config.hpp"

#include <string>
#include <vector>

namespace ferry::app {

// Where the search looked and what it found.
struct PythonChoice {
    std::string interpreter;        // the chosen interpreter; empty when none works
    std::vector<std::string> tried; // every searched candidate, with why it was refused
    std::string refused;            // an explicit choice that cannot run workers: why
};

// An explicit choice is used or refused, never skipped for another interpreter (whose packages,
// the model's among them, would differ): `configured` (workers[].python; `configured_at` names
// it in the message, e.g. "p.yaml:9:13: workers[0].python"), else $FERRY_PYTHON. Without one,
// python3 on PATH then /usr/bin/python3 are searched for one that can import zmq and msgpack.
[[nodiscard]] PythonChoice
find_worker_python(const std::string& configured,
                   const std::string& configured_at = "workers[].python");

// The message for when no interpreter can be used: the refused explicit choice, or what the
// search tried; with what to install.
[[nodiscard]] std::string no_python_message(const PythonChoice& choice);

// The interpreter of each pool, chosen before anything starts; throws ConfigError with
// no_python_message() when a pool has none.
[[nodiscard]] std::vector<std::string>
choose_interpreters(const std::vector<WorkerPoolConfig>& pools);

// The directory holding the `ferry_worker` package: $FERRY_WORKER_PATH, else next to the
// executable (../py_workers from build/), else the source tree this binary was built from.
[[nodiscard]] std::string find_worker_package_dir();

} // namespace ferry::app
