// Runs a service's pipeline runs, each a producer session on its own thread against the
// service's broker, and reports how each ended.
#pragma once

#include "ferry/app/pipeline_config.hpp"
#include "ferry/security/client_keys.hpp"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>
#include <zmq.hpp>

namespace ferry::app {

// One run to start: which pipeline, which nominal time, under which id.
struct RunRequest {
    std::string run_id;                 // the producer client name too
    std::chrono::sys_seconds nominal;   // the nominal time the paths are rendered with
    std::string timezone = "UTC";       // the zone of the paths' strftime fields
    bool resume = false;                // a run an earlier life of the service started
    std::chrono::seconds input_wait{0}; // how long a missing input is waited for
};

// How a run ended. `interrupted` runs were stopped by the service's shutdown: they stay
// running in the history and are resumed by the next start.
enum class RunEnd { succeeded, failed, cancelled, interrupted };

struct RunResult {
    std::string run_id; // the run
    RunEnd end = RunEnd::failed;
    std::uint64_t ok = 0;     // records that succeeded
    std::uint64_t failed = 0; // records that failed
    std::uint64_t total = 0;  // records written (this run and earlier lives)
    std::string output;       // the rendered output path
    std::string message;      // why it failed, for the history
};

// Starts runs on threads; the caller collects their ends with take_finished().
class PipelineRunner {
  public:
    // `on_end` is called (on the run's thread) each time a run ends: the caller's wake-up.
    // `curve`: the keys runs connect with (disabled: plain).
    PipelineRunner(zmq::context_t& context, std::string endpoint, std::function<void()> on_end = {},
                   security::ClientCurve curve = {});
    ~PipelineRunner();
    PipelineRunner(const PipelineRunner&) = delete;
    PipelineRunner& operator=(const PipelineRunner&) = delete;

    // Starts the run (its paths are rendered on its thread; a problem ends it as failed).
    void launch(const PipelineConfig& config, const RunRequest& request);
    // Asks a run to stop; it ends as cancelled. False when no such run is running.
    bool cancel(const std::string& run_id);
    // Asks every run to stop as interrupted (the service is shutting down) and waits for them.
    void interrupt_all();
    // Runs that ended since the last call.
    [[nodiscard]] std::vector<RunResult> take_finished();
    [[nodiscard]] std::size_t running() const;

  private:
    // One run's thread and the flags it is stopped with.
    struct Running {
        std::atomic<bool> stop{false};      // end the producer session
        std::atomic<bool> cancelled{false}; // ... because of a cancel (else: shutdown)
        std::thread thread;                 // runs the session
    };
    void run(const PipelineConfig& config, const RunRequest& request, Running& running);
    [[nodiscard]] RunResult run_session_for(const PipelineConfig& config, const RunRequest& request,
                                            Running& running);
    void reap();

    zmq::context_t& context_;                                 // shared by every run
    std::string endpoint_;                                    // the broker's producer endpoint
    security::ClientCurve curve_;                             // keys runs connect with
    std::function<void()> on_end_;                            // a run ended
    mutable std::mutex mutex_;                                // guards the two below
    std::map<std::string, std::unique_ptr<Running>> running_; // by run id
    std::vector<RunResult> finished_;                         // ended, not yet taken
    std::vector<std::unique_ptr<Running>> ended_;             // threads to join
};

} // namespace ferry::app
