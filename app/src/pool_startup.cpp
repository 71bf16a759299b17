// Waiting for `ferry run`'s local pools to register, and checking they serve the input's type.
#include "ferry/app/pool_startup.hpp"

#include "ferry/app/config_keys.hpp"
#include "ferry/app/producer_session.hpp"
#include "ferry/app/status_client.hpp"
#include "ferry/producer/broker_status.hpp"
#include "ferry/producer/progress_display.hpp"

#include <algorithm>
#include <cstdio>
#include <fmt/format.h>
#include <fstream>
#include <set>
#include <spdlog/spdlog.h>
#include <thread>
#include <unistd.h>

namespace ferry::app {
using namespace producer; // this file drives the producer library
namespace {

using Clock = std::chrono::steady_clock;
constexpr auto poll_interval = std::chrono::milliseconds(200);
constexpr auto status_timeout = std::chrono::milliseconds(1000);

long parent_of(long pid) {
    std::ifstream stat(fmt::format("/proc/{}/stat", pid));
    std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
    const std::size_t close = text.rfind(')');
    long parent = 0;
    if (close == std::string::npos ||
        std::sscanf(text.c_str() + close + 1, " %*c %ld", &parent) != 1) {
        return 0;
    }
    return parent;
}

std::string local_host() {
    char host[256] = {};
    ::gethostname(host, sizeof(host) - 1);
    return host;
}

// Indexes of the pools none of whose workers has registered yet.
std::vector<std::size_t> pools_waiting(const LocalPools& pools,
                                       const std::vector<StatusWorker>& workers) {
    const std::string host = local_host();
    std::vector<std::size_t> waiting;
    for (std::size_t i = 0; i < pools.size(); ++i) {
        const bool up = std::any_of(workers.begin(), workers.end(), [&](const StatusWorker& w) {
            return w.host == host && descends_from(static_cast<long>(w.pid), pools.pid(i));
        });
        if (!up)
            waiting.push_back(i);
    }
    return waiting;
}

// What the wait shows: a redrawn line on a terminal, a log line every few seconds otherwise.
class WaitLine {
  public:
    explicit WaitLine(std::chrono::seconds log_interval)
        : terminal_(ProgressDisplay::stderr_is_terminal()), log_interval_(log_interval) {}
    ~WaitLine() {
        if (drew_)
            std::fputs("\r\033[K", stderr);
    }
    WaitLine(const WaitLine&) = delete;
    WaitLine& operator=(const WaitLine&) = delete;

    void show(const std::string& text) {
        const auto now = Clock::now();
        if (now < next_)
            return;
        if (terminal_) {
            std::fprintf(stderr, "\r\033[K%s", text.c_str());
            std::fflush(stderr);
            drew_ = true;
            next_ = now + std::chrono::seconds(1);
        } else {
            spdlog::info("{}", text);
            next_ = now + log_interval_;
        }
    }

  private:
    bool terminal_;                     // redraw a line, or log
    std::chrono::seconds log_interval_; // between log lines
    Clock::time_point next_{};          // when the next update is due
    bool drew_ = false;                 // a line is on the terminal
};

std::string waiting_text(const LocalPools& pools, const PipelineConfig& config,
                         const std::vector<std::size_t>& waiting, Clock::time_point started) {
    std::vector<std::string> names;
    for (std::size_t i : waiting) {
        names.push_back(
            fmt::format("'{}' ({} processes)", pools.name(i), config.workers[i].processes));
    }
    const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(Clock::now() - started);
    return fmt::format("waiting for worker pool{} {} to import and set up its handlers: {} s "
                       "(no time limit; Ctrl-C stops)",
                       waiting.size() > 1 ? "s" : "", fmt::join(names, ", "), seconds.count());
}

// Every registered worker's types; empty when the broker did not answer.
std::optional<std::vector<StatusWorker>> registered_workers(const std::string& endpoint,
                                                            const security::ClientCurve& curve) {
    try {
        const std::string status = fetch_status(endpoint, status_timeout, curve);
        return read_status_field(status, "workers", read_status_workers);
    } catch (const std::runtime_error& error) {
        spdlog::debug("no status from the embedded broker yet: {}", error.what());
        return std::nullopt;
    }
}

// Every job type the pipeline submits, with the key that names it (for messages).
std::vector<std::pair<std::string, std::string>> types_needed(const PipelineConfig& config) {
    if (config.stages.empty())
        return {{config.input.type, "input.type"}};
    std::vector<std::pair<std::string, std::string>> types;
    for (std::size_t i = 0; i < config.stages.size(); ++i)
        types.emplace_back(config.stages[i].type, fmt::format("stages[{}].type", i));
    return types;
}

ExitCode check_type_served(const std::vector<StatusWorker>& workers, const PipelineConfig& config) {
    std::set<std::string> served;
    for (const auto& worker : workers)
        served.insert(worker.types.begin(), worker.types.end());
    const std::vector<std::string_view> names(served.begin(), served.end());
    for (const auto& [type, key] : types_needed(config)) {
        if (served.contains(type))
            continue;
        const std::string hint = nearest_name(type, names);
        const std::string message = fmt::format(
            "ferry: no worker serves job type '{}' ({} in {}; the pools serve {}); {}set "
            "{} to a served type, or add a handler whose job_type is '{}'\n",
            type, key, config.source, fmt::join(names, ", "),
            hint.empty() ? "" : fmt::format("did you mean '{}'? Otherwise ", hint), key, type);
        std::fputs(message.c_str(), stderr);
        return ExitCode::usage;
    }
    return ExitCode::ok;
}

} // namespace

bool descends_from(long pid, long ancestor) {
    for (int depth = 0; depth < 16 && pid > 1; ++depth) {
        if (pid == ancestor)
            return true;
        pid = parent_of(pid);
    }
    return false;
}

ExitCode await_pools(LocalPools& pools, const PipelineConfig& config, const std::string& endpoint,
                     const std::atomic<bool>& stop, const security::ClientCurve& curve) {
    if (pools.size() == 0)
        return ExitCode::ok;
    const auto started = Clock::now();
    WaitLine line(std::chrono::seconds(config.producer.progress_interval_s));
    for (;;) {
        if (stop.load()) {
            std::fputs("ferry: interrupted while waiting for the worker pools; nothing was "
                       "submitted and no output was written\n",
                       stderr);
            return ExitCode::interrupted;
        }
        try {
            pools.check_alive();
        } catch (const std::runtime_error& error) {
            std::fprintf(stderr, "ferry: %s\n", error.what());
            return ExitCode::usage;
        }
        if (auto workers = registered_workers(endpoint, curve)) {
            const auto waiting = pools_waiting(pools, *workers);
            if (waiting.empty())
                return check_type_served(*workers, config);
            line.show(waiting_text(pools, config, waiting, started));
        }
        std::this_thread::sleep_for(poll_interval);
    }
}

} // namespace ferry::app
