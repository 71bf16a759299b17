// The Python worker pools that `ferry run` starts on this machine, and their supervision.
#pragma once

#include "ferry/app/pipeline_config.hpp"

#include <string>
#include <sys/types.h>
#include <vector>

namespace ferry::app {

// Starts one `python -m ferry_worker` supervisor per configured pool. Each runs in its own
// process group (a terminal's Ctrl-C reaches only `ferry`, which then stops the pools in order)
// and dies with `ferry` even on SIGKILL (PR_SET_PDEATHSIG), taking its workers with it.
class LocalPools {
  public:
    LocalPools() = default;
    ~LocalPools();
    LocalPools(const LocalPools&) = delete;
    LocalPools& operator=(const LocalPools&) = delete;

    // Starts every pool against `workers_endpoint`, pool i with `interpreters[i]` (see
    // choose_interpreters); throws with a clear message on failure.
    // `environment` is set in each pool's environment (e.g. its CURVE key file).
    void start(const std::vector<WorkerPoolConfig>& pools,
               const std::vector<std::string>& interpreters, const std::string& workers_endpoint,
               const std::vector<std::pair<std::string, std::string>>& environment = {});

    // The supervisor's pid and handlers of pool i while it runs (-1 once it has exited).
    [[nodiscard]] pid_t pid(std::size_t i) const { return pids_.at(i); }
    [[nodiscard]] const std::string& name(std::size_t i) const { return names_.at(i); }

    // Throws std::runtime_error naming the pool if one has exited (its own log explains why).
    void check_alive();

    // SIGTERM to every pool (they drain), then SIGKILL after `grace_ms`; waits for them all.
    void stop(int grace_ms);

    [[nodiscard]] std::size_t size() const { return pids_.size(); }

  private:
    pid_t spawn(const std::vector<std::string>& argv, const std::string& package_dir,
                const std::vector<std::pair<std::string, std::string>>& environment);

    std::vector<pid_t> pids_;        // live pool supervisors
    std::vector<std::string> names_; // their handler modules, for messages
};

} // namespace ferry::app
