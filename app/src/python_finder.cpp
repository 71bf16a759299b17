// Interpreter choice for local worker pools: an explicit choice is used or refused, never skipped.
#include "ferry/app/python_finder.hpp"

#include "ferry/app/config_error.hpp"

#include <cstdio>
#include <cstdlib>
#include <fcntl.h>
#include <filesystem>
#include <fmt/format.h>
#include <map>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

// Installed layout: the worker package's directory relative to the executable's (see
// cmake/FerryInstall.cmake, which defines it).
#ifndef FERRY_WORKER_INSTALL_DIR
#define FERRY_WORKER_INSTALL_DIR "../share/ferry/python"
#endif

namespace ferry::app {
namespace {

// Prints the Python version, then the worker dependencies it cannot import, space-separated.
constexpr const char* probe_script = "import sys\n"
                                     "missing = []\n"
                                     "for name in ('zmq', 'msgpack'):\n"
                                     "    try:\n"
                                     "        __import__(name)\n"
                                     "    except Exception:\n"
                                     "        missing.append(name)\n"
                                     "print('%d.%d' % sys.version_info[:2])\n"
                                     "print(' '.join(missing))\n";

// What running the probe found.
struct Probe {
    bool ran = false;                 // it ran as Python and printed its report
    std::string version;              // "3.11"
    std::vector<std::string> missing; // modules it cannot import
};

// Runs `interpreter -c probe_script` without a shell (any path works) and reads its report.
Probe run_probe(const std::string& interpreter) {
    int out[2];
    if (::pipe(out) != 0)
        return {};
    const pid_t pid = ::fork();
    if (pid == 0) {
        ::dup2(out[1], STDOUT_FILENO);
        ::close(out[0]);
        ::close(out[1]);
        if (int null = ::open("/dev/null", O_WRONLY); null >= 0)
            ::dup2(null, STDERR_FILENO);
        ::execlp(interpreter.c_str(), interpreter.c_str(), "-c", probe_script, nullptr);
        ::_exit(127);
    }
    ::close(out[1]);
    std::string text;
    char buffer[256];
    for (ssize_t n; (n = ::read(out[0], buffer, sizeof buffer)) > 0;)
        text.append(buffer, n);
    ::close(out[0]);
    int status = 0;
    if (pid < 0 || ::waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
        WEXITSTATUS(status) != 0) {
        return {};
    }
    Probe probe{true, text.substr(0, text.find('\n')), {}};
    std::string rest = text.substr(text.find('\n') + 1);
    for (std::size_t start = 0; start < rest.size();) {
        std::size_t end = rest.find_first_of(" \n", start);
        if (end == std::string::npos)
            end = rest.size();
        if (end > start)
            probe.missing.push_back(rest.substr(start, end - start));
        start = end + 1;
    }
    return probe;
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

// Why an interpreter path cannot even be started, or empty.
std::string start_problem(const std::string& interpreter) {
    if (interpreter.find('/') == std::string::npos) {
        return which(interpreter).empty() ? "is not found on PATH" : "";
    }
    struct stat info {};
    if (::stat(interpreter.c_str(), &info) != 0)
        return "is not found";
    if (S_ISDIR(info.st_mode))
        return "is a directory, not an interpreter";
    if (::access(interpreter.c_str(), X_OK) != 0)
        return "is not executable";
    return {};
}

// Why an interpreter cannot run Ferry's workers, or empty when it can.
std::string python_problem(const std::string& interpreter) {
    if (std::string problem = start_problem(interpreter); !problem.empty())
        return problem;
    const Probe probe = run_probe(interpreter);
    if (!probe.ran)
        return "does not run as a Python 3 interpreter";
    unsigned major = 0;
    unsigned minor = 0;
    if (std::sscanf(probe.version.c_str(), "%u.%u", &major, &minor) != 2 ||
        (major == 3 && minor < 9)) {
        return fmt::format("is Python {}; Ferry's workers need 3.9 or newer", probe.version);
    }
    if (!probe.missing.empty()) {
        return fmt::format("cannot import {}", fmt::join(probe.missing, ", "));
    }
    return {};
}

// What to do about an interpreter the user named: fix the path, or install what it lacks.
std::string advice(const std::string& interpreter, std::string_view drop_it) {
    if (!start_problem(interpreter).empty()) {
        return fmt::format("fix the path, or {} to let Ferry search python3 on PATH and "
                           "/usr/bin/python3",
                           drop_it);
    }
    return fmt::format("install the worker's dependencies for it ('{}' -m pip install pyzmq "
                       "msgpack; for Debian's /usr/bin/python3: apt-get install python3-zmq "
                       "python3-msgpack), or name another interpreter",
                       interpreter);
}

} // namespace

PythonChoice find_worker_python(const std::string& configured, const std::string& configured_at) {
    PythonChoice choice;
    if (!configured.empty()) {
        if (std::string problem = python_problem(configured); !problem.empty()) {
            choice.refused = fmt::format("{} '{}' {}; {}", configured_at, configured, problem,
                                         advice(configured, "remove the key"));
            return choice;
        }
        choice.interpreter = configured;
        return choice;
    }
    if (const char* env = std::getenv("FERRY_PYTHON"); env != nullptr && *env != '\0') {
        if (std::string problem = python_problem(env); !problem.empty()) {
            choice.refused = fmt::format("'{}' {} (FERRY_PYTHON); {}", env, problem,
                                         advice(env, "unset FERRY_PYTHON"));
            return choice;
        }
        choice.interpreter = env;
        return choice;
    }
    std::vector<std::pair<std::string, std::string>> candidates; // (interpreter, where from)
    if (std::string on_path = which("python3"); !on_path.empty()) {
        candidates.emplace_back(on_path, "python3 on PATH");
    }
    candidates.emplace_back("/usr/bin/python3", "Debian's python3");
    for (const auto& [interpreter, origin] : candidates) {
        std::string problem = python_problem(interpreter);
        if (problem.empty()) {
            choice.interpreter = interpreter;
            return choice;
        }
        choice.tried.push_back(fmt::format("{} ({}): {}", interpreter, origin, problem));
    }
    return choice;
}

std::string no_python_message(const PythonChoice& choice) {
    if (!choice.refused.empty())
        return choice.refused;
    std::string message = "no Python interpreter can run Ferry's workers. Tried:\n";
    for (const auto& line : choice.tried)
        message += fmt::format("  - {}\n", line);
    message +=
        "Install the worker's dependencies: on Debian `apt-get install python3-zmq python3-msgpack`"
        " (or run scripts/install-deps.sh); elsewhere `pip install pyzmq msgpack`. Then point Ferry"
        " at that interpreter with workers[].python in the config or FERRY_PYTHON.";
    return message;
}

std::vector<std::string> choose_interpreters(const std::vector<WorkerPoolConfig>& pools) {
    std::vector<std::string> chosen;
    std::map<std::string, std::string> seen; // configured value -> interpreter
    for (std::size_t i = 0; i < pools.size(); ++i) {
        const auto& pool = pools[i];
        if (pool.is_native()) {
            chosen.emplace_back(); // runs this binary, no interpreter
            continue;
        }
        if (auto it = seen.find(pool.python); it != seen.end()) {
            chosen.push_back(it->second);
            continue;
        }
        const std::string key = fmt::format("workers[{}].python", i);
        PythonChoice python = find_worker_python(
            pool.python, pool.python_at.empty() ? key : fmt::format("{}: {}", pool.python_at, key));
        if (python.interpreter.empty())
            throw ConfigError(no_python_message(python));
        seen.emplace(pool.python, python.interpreter);
        chosen.push_back(python.interpreter);
    }
    return chosen;
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
        // Installed (cmake --install, the .deb): <bindir>/../share/ferry/python holds only a link
        // to the installed package, so the pools' PYTHONPATH gains nothing else of dist-packages.
        std::filesystem::path installed =
            (exe.parent_path() / FERRY_WORKER_INSTALL_DIR).lexically_normal();
        if (std::filesystem::exists(installed / "ferry_worker" / "__init__.py"))
            return installed.string();
    }
    return FERRY_SOURCE_DIR "/py_workers";
}

} // namespace ferry::app
