// Picks the Python interpreter for local worker pools: one that can import the worker's needs.
#pragma once

#include <string>
#include <vector>

namespace ferry::producer {

// Where the search looked and what it found.
struct PythonChoice {
    std::string interpreter;        // the chosen interpreter; empty when none works
    std::vector<std::string> tried; // every candidate, with why it was refused
};

// Tries, in order: `configured` (workers[].python), $FERRY_PYTHON, python3 on PATH,
// /usr/bin/python3. The first that can `import zmq, msgpack` wins.
[[nodiscard]] PythonChoice find_worker_python(const std::string& configured);

// The message for when no candidate works: what was tried and what to install.
[[nodiscard]] std::string no_python_message(const PythonChoice& choice);

// The directory holding the `ferry_worker` package: $FERRY_WORKER_PATH, else next to the
// executable (../py_workers from build/), else the source tree this binary was built from.
[[nodiscard]] std::string find_worker_package_dir();

} // namespace ferry::producer
