// Interpreter discovery for local worker pools (DESIGN.md §5).
#include "ferry/producer/python_finder.hpp"

#include <cstdlib>
#include <filesystem>
#include <fmt/format.h>
#include <sys/wait.h>
#include <unistd.h>

namespace ferry::producer {
namespace {

// Runs `interpreter -c "import zmq, msgpack"` quietly; true when it exits 0.
bool can_import_dependencies(const std::string& interpreter) {
    std::string command = fmt::format("'{}' -c 'import zmq, msgpack' >/dev/null 2>&1", interpreter);
    int status = std::system(command.c_str());
    return status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

std::string which(const std::string& name) {
    const char* path = std::getenv("PATH");
    if (path == nullptr)
        return {};
    std::string_view rest(path);
    while (!rest.empty()) {
        std::size_t colon = rest.find(':');
        std::filesystem::path candidate = std::filesystem::path(rest.substr(0, colon)) / name;
        if (::access(candidate.c_str(), X_OK) == 0)
            return candidate.string();
        if (colon == std::string_view::npos)
            break;
        rest.remove_prefix(colon + 1);
    }
    return {};
}

} // namespace

PythonChoice find_worker_python(const std::string& configured) {
    std::vector<std::pair<std::string, std::string>> candidates; // (interpreter, where from)
    if (!configured.empty())
        candidates.emplace_back(configured, "workers[].python");
    if (const char* env = std::getenv("FERRY_PYTHON"); env != nullptr && *env != '\0') {
        candidates.emplace_back(env, "FERRY_PYTHON");
    }
    if (std::string on_path = which("python3"); !on_path.empty()) {
        candidates.emplace_back(on_path, "python3 on PATH");
    }
    candidates.emplace_back("/usr/bin/python3", "Debian's python3");

    PythonChoice choice;
    for (const auto& [interpreter, origin] : candidates) {
        if (::access(interpreter.c_str(), X_OK) != 0 &&
            interpreter.find('/') != std::string::npos) {
            choice.tried.push_back(fmt::format("{} ({}): not found", interpreter, origin));
            continue;
        }
        if (can_import_dependencies(interpreter)) {
            choice.interpreter = interpreter;
            return choice;
        }
        choice.tried.push_back(
            fmt::format("{} ({}): cannot import zmq and msgpack", interpreter, origin));
    }
    return choice;
}

std::string no_python_message(const PythonChoice& choice) {
    std::string message = "no Python interpreter can run Ferry's workers. Tried:\n";
    for (const auto& line : choice.tried)
        message += fmt::format("  - {}\n", line);
    message +=
        "Install the worker's dependencies: on Debian `apt-get install python3-zmq python3-msgpack`"
        " (or run scripts/install-deps.sh); elsewhere `pip install pyzmq msgpack`. Then point Ferry"
        " at that interpreter with workers[].python in the config or FERRY_PYTHON.";
    return message;
}

std::string find_worker_package_dir() {
    if (const char* env = std::getenv("FERRY_WORKER_PATH"); env != nullptr && *env != '\0') {
        return env;
    }
    std::error_code error;
    std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", error);
    if (!error) {
        std::filesystem::path beside = exe.parent_path().parent_path() / "py_workers";
        if (std::filesystem::exists(beside / "ferry_worker"))
            return beside.string();
    }
    return FERRY_SOURCE_DIR "/py_workers";
}

} // namespace ferry::producer
