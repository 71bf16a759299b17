// The native pool's supervisor: N worker processes (this binary, exec'd in child mode), replaced
// when they die, never orphaned; a death inside a forward pass is reported with its jobs.
#pragma once

#include "ferry/security/client_keys.hpp"
#include "ferry/worker/running_board.hpp"
#include "ferry/worker/worker_spec.hpp"

#include <atomic>
#include <chrono>
#include <optional>
#include <string>
#include <sys/types.h>
#include <vector>
#include <zmq.hpp>

namespace ferry::worker {

// How the supervisor starts a worker process: the argv before the per-slot flags, e.g.
// {"/proc/self/exe", "--log-level", "info", "worker", "--broker", EP, "--config", PATH}; the
// pool appends `--child-slot I --board-fd F`.
struct ChildCommand {
    std::vector<std::string> argv;
};

// This host's name, as worker names (host:pid) and EXITED reports use it.
[[nodiscard]] std::string host_name();

class WorkerPool {
  public:
    WorkerPool(const WorkerSpec& spec, std::string broker, security::ClientCurve curve,
               ChildCommand command);
    ~WorkerPool();
    WorkerPool(const WorkerPool&) = delete;
    WorkerPool& operator=(const WorkerPool&) = delete;

    // Runs until `stop` (then drains: exit 0), or until a process cannot load its models before
    // any was ever ready, or the broker refuses the pool (exit 2).
    [[nodiscard]] int run(const std::atomic<bool>& stop);

  private:
    using Clock = std::chrono::steady_clock;

    // One place in the pool and the process filling it.
    struct Slot {
        pid_t pid = -1;                      // -1: none running
        Clock::time_point restart_at{};      // when to start the next one
        Clock::time_point started{};         // when the current one started
        int failures = 0;                    // deaths before it was ready, in a row
        std::optional<std::uint64_t> rss_mb; // last resident size read
        Clock::time_point rss_at{};          // when to read it next
    };

    void spawn(std::size_t index);
    // Handles the death of slot `index`'s process; returns an exit code when the pool must stop.
    [[nodiscard]] std::optional<int> reap(std::size_t index, int status);
    void report_exit(std::size_t index, pid_t pid, int status);
    void read_rss(Slot& slot);
    [[nodiscard]] int drain();

    const WorkerSpec& spec_;
    std::string broker_;
    std::string host_;
    ChildCommand command_;
    RunningBoard board_;
    std::vector<Slot> slots_;
    bool ever_ready_ = false;
    zmq::context_t context_;
    zmq::socket_t exited_; // EXITED reports, on a connection of their own
};

} // namespace ferry::worker
