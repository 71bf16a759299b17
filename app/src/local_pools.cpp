// Spawning and stopping the local Python worker pools of `ferry run`.
#include "ferry/app/local_pools.hpp"

#include "ferry/app/python_finder.hpp"

#include <cctype>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <stdexcept>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace ferry::app {
namespace {

std::string own_executable() {
    std::error_code error;
    const auto path = std::filesystem::read_symlink("/proc/self/exe", error);
    if (error)
        throw std::runtime_error("cannot find the ferry executable for a native pool: " +
                                 error.message());
    return path.string();
}

std::string upper(std::string text) {
    for (char& c : text)
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return text;
}

// A pool logs at its workers[].log_level, else at the level `ferry --log-level` set.
std::string pool_log_level(const WorkerPoolConfig& pool) {
    if (!pool.log_level.empty())
        return upper(pool.log_level);
    switch (spdlog::get_level()) {
    case spdlog::level::trace:
    case spdlog::level::debug:
        return "DEBUG";
    case spdlog::level::info:
        return "INFO";
    case spdlog::level::warn:
        return "WARNING";
    default:
        return "ERROR";
    }
}

std::vector<std::string> pool_argv(const std::string& python, const WorkerPoolConfig& pool,
                                   const std::string& endpoint) {
    std::vector<std::string> argv = {python,
                                     "-m",
                                     "ferry_worker",
                                     "--broker",
                                     endpoint,
                                     "--handlers",
                                     pool.handlers,
                                     "--processes",
                                     std::to_string(pool.processes),
                                     "--prefetch",
                                     std::to_string(pool.prefetch),
                                     "--max-credit",
                                     std::to_string(pool.max_credit),
                                     "--inline",
                                     pool.inline_mode,
                                     "--heartbeat-ms",
                                     std::to_string(pool.heartbeat_ms),
                                     "--log-level",
                                     pool_log_level(pool),
                                     "--start-method",
                                     pool.start_method};
    if (pool.max_jobs > 0) {
        argv.insert(argv.end(), {"--max-jobs", std::to_string(pool.max_jobs)});
    }
    if (pool.max_rss_mb > 0) {
        argv.insert(argv.end(), {"--max-rss-mb", std::to_string(pool.max_rss_mb)});
    }
    return argv;
}

// `ferry worker` for a native pool: this very binary, at the log level the pool asks for.
std::vector<std::string> native_argv(const WorkerPoolConfig& pool, const std::string& endpoint) {
    std::string level = pool_log_level(pool);
    for (char& c : level)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (level == "warning")
        level = "warn";
    std::vector<std::string> argv = {own_executable(), "--log-level", level,      "worker",
                                     "--broker",       endpoint,      "--config", pool.native};
    if (pool.processes_set)
        argv.insert(argv.end(), {"--processes", std::to_string(pool.processes)});
    return argv;
}

std::string with_pythonpath(const std::string& package_dir) {
    const char* current = std::getenv("PYTHONPATH");
    return current != nullptr && *current != '\0' ? package_dir + ":" + current : package_dir;
}

} // namespace

LocalPools::~LocalPools() {
    stop(2000);
}

void LocalPools::start(const std::vector<WorkerPoolConfig>& pools,
                       const std::vector<std::string>& interpreters, const std::string& endpoint,
                       const std::vector<std::pair<std::string, std::string>>& environment) {
    const std::string package_dir = find_worker_package_dir();
    for (std::size_t i = 0; i < pools.size(); ++i) {
        const auto& pool = pools[i];
        if (pool.is_native()) {
            spdlog::info("starting native worker pool '{}'", pool.native);
            pids_.push_back(spawn(native_argv(pool, endpoint), package_dir, environment));
        } else {
            spdlog::info("starting worker pool '{}' ({} processes) with {}", pool.handlers,
                         pool.processes, interpreters.at(i));
            pids_.push_back(
                spawn(pool_argv(interpreters.at(i), pool, endpoint), package_dir, environment));
        }
        names_.push_back(pool.name());
    }
}

// fork + exec; the child joins its own process group and asks the kernel to kill it when
// `ferry` dies, so no pool outlives the run even if `ferry` is killed with SIGKILL.
pid_t LocalPools::spawn(const std::vector<std::string>& argv, const std::string& package_dir,
                        const std::vector<std::pair<std::string, std::string>>& environment) {
    const std::string pythonpath = with_pythonpath(package_dir);
    const pid_t parent = ::getpid();
    pid_t pid = ::fork();
    if (pid < 0)
        throw std::runtime_error("cannot fork a worker pool process");
    if (pid == 0) {
        ::setpgid(0, 0);
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (::getppid() != parent)
            ::_exit(127); // ferry died between fork and prctl
        ::setenv("PYTHONPATH", pythonpath.c_str(), 1);
        for (const auto& [name, value] : environment)
            ::setenv(name.c_str(), value.c_str(), 1);
        std::vector<char*> args;
        for (const auto& arg : argv)
            args.push_back(const_cast<char*>(arg.c_str()));
        args.push_back(nullptr);
        ::execv(args[0], args.data());
        ::execvp(args[0], args.data());
        std::fprintf(stderr, "ferry: cannot start %s\n", args[0]);
        ::_exit(127);
    }
    return pid;
}

void LocalPools::check_alive() {
    for (std::size_t i = 0; i < pids_.size(); ++i) {
        int status = 0;
        if (pids_[i] <= 0 || ::waitpid(pids_[i], &status, WNOHANG) != pids_[i])
            continue;
        pids_[i] = -1;
        std::string how = WIFEXITED(status)
                              ? fmt::format("exited with code {}", WEXITSTATUS(status))
                              : fmt::format("was killed by signal {}", WTERMSIG(status));
        throw std::runtime_error(fmt::format(
            "worker pool '{}' {}; its log above says why (a handler that fails in setup stops "
            "its pool)",
            names_[i], how));
    }
}

void LocalPools::stop(int grace_ms) {
    for (pid_t pid : pids_) {
        if (pid > 0)
            ::kill(pid, SIGTERM);
    }
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(grace_ms);
    for (pid_t& pid : pids_) {
        while (pid > 0) {
            if (::waitpid(pid, nullptr, WNOHANG) == pid) {
                pid = -1;
            } else if (std::chrono::steady_clock::now() >= deadline) {
                ::kill(-pid, SIGKILL); // the whole group: supervisor and its workers
                ::kill(pid, SIGKILL);
                ::waitpid(pid, nullptr, 0);
                pid = -1;
            } else {
                std::this_thread::sleep_for(std::chrono::milliseconds(20));
            }
        }
    }
    pids_.clear();
    names_.clear();
}

} // namespace ferry::app
