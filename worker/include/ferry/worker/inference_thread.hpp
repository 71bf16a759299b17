// The thread that runs forward passes, so the socket thread keeps heartbeats flowing while a
// model computes; it wakes the socket thread through an eventfd when a batch is done.
#pragma once

#include "ferry/wire/messages.hpp"
#include "ferry/worker/model_runner.hpp"
#include "ferry/worker/running_board.hpp"

#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace ferry::worker {

class InferenceThread {
  public:
    explicit InferenceThread(RunningBoard& board);
    ~InferenceThread();
    InferenceThread(const InferenceThread&) = delete;
    InferenceThread& operator=(const InferenceThread&) = delete;

    // Hands a batch to the thread (only while idle). The board lists its keys until it is done.
    void start(ModelRunner& runner, std::vector<wire::Job> batch);
    // The results of the batch once done (the thread is idle again), else nullopt.
    [[nodiscard]] std::optional<std::vector<wire::Result>> take();
    [[nodiscard]] bool busy() const { return busy_; }
    // Readable when a batch is done; the socket thread polls it.
    [[nodiscard]] int wake_fd() const { return wake_fd_; }
    // Leaves the thread where it is (a forward pass that will not return): the process exits.
    void abandon();

  private:
    void loop();

    RunningBoard& board_;
    int wake_fd_ = -1;
    bool busy_ = false; // socket thread's view: a batch was started and not taken
    std::mutex mutex_;
    std::condition_variable ready_;
    ModelRunner* runner_ = nullptr;                 // guarded: the batch's model
    std::vector<wire::Job> batch_;                  // guarded: the batch to run
    bool has_batch_ = false;                        // guarded
    std::optional<std::vector<wire::Result>> done_; // guarded
    bool stop_ = false;                             // guarded
    std::thread thread_;
};

} // namespace ferry::worker
