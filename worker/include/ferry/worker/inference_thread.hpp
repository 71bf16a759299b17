// The thread that runs forward passes, so the socket thread keeps heartbeats flowing while a
// model computes; it wakes the socket thread through an eventfd when results are ready.
#pragma once

#include "ferry/wire/messages.hpp"
#include "ferry/worker/model_runner.hpp"
#include "ferry/worker/running_board.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

namespace ferry::worker {

// Results handed back to the socket thread, and whether the whole run of batches is done.
struct Finished {
    std::vector<wire::Result> results; // in the order they were computed
    bool idle = false;                 // the thread has run every batch it was given
};

class InferenceThread {
  public:
    using Clock = std::chrono::steady_clock;

    explicit InferenceThread(RunningBoard& board);
    ~InferenceThread();
    InferenceThread(const InferenceThread&) = delete;
    InferenceThread& operator=(const InferenceThread&) = delete;

    // Hands a run of batches of one model to the thread (only while idle). Each batch is one
    // forward pass; the board lists a batch's keys while it is inside. Why a run and not one
    // batch: queued small batches (an unbatched model) then cost one hand-over and one RESULTS
    // message for the lot, not one each; results are handed back at least every millisecond.
    void start(ModelRunner& runner, std::vector<std::vector<wire::Job>> batches);
    // Whatever results are ready (possibly none), and whether the thread is idle again.
    [[nodiscard]] Finished take();
    [[nodiscard]] bool busy() const { return busy_; }
    // When the batch now inside the forward pass entered it (meaningful while busy).
    [[nodiscard]] Clock::time_point inside_since() const;
    // Readable when results are ready; the socket thread polls it.
    [[nodiscard]] int wake_fd() const { return wake_fd_; }
    // Leaves the thread where it is (a forward pass that will not return): the process exits.
    void abandon();

  private:
    void loop();
    void run_all(ModelRunner& runner, std::vector<std::vector<wire::Job>> batches);
    void publish(std::vector<wire::Result>& pending, bool last);

    RunningBoard& board_;
    int wake_fd_ = -1;
    bool busy_ = false; // socket thread's view: a run was started and not finished
    std::atomic<Clock::rep> inside_since_{0};
    std::mutex mutex_;
    std::condition_variable ready_;
    ModelRunner* runner_ = nullptr;               // guarded: the run's model
    std::vector<std::vector<wire::Job>> batches_; // guarded: the run to do
    bool has_run_ = false;                        // guarded
    Finished done_;                               // guarded: results not taken yet
    bool stop_ = false;                           // guarded
    std::thread thread_;
};

} // namespace ferry::worker
