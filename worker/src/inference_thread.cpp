// A single model thread fed one batch at a time by the socket thread.
#include "ferry/worker/inference_thread.hpp"

#include <cstdint>
#include <sys/eventfd.h>
#include <system_error>
#include <unistd.h>

namespace ferry::worker {

InferenceThread::InferenceThread(RunningBoard& board) : board_(board) {
    wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (wake_fd_ < 0)
        throw std::system_error(errno, std::generic_category(), "eventfd");
    thread_ = std::thread([this] { loop(); });
}

InferenceThread::~InferenceThread() {
    {
        std::lock_guard lock(mutex_);
        stop_ = true;
    }
    ready_.notify_one();
    if (thread_.joinable())
        thread_.join();
    close(wake_fd_);
}

void InferenceThread::abandon() {
    thread_.detach(); // the process exits next; the stuck pass dies with it
}

void InferenceThread::start(ModelRunner& runner, std::vector<wire::Job> batch) {
    std::vector<std::string> keys;
    keys.reserve(batch.size());
    for (const auto& job : batch)
        keys.push_back(job.id);
    board_.enter(keys);
    {
        std::lock_guard lock(mutex_);
        runner_ = &runner;
        batch_ = std::move(batch);
        has_batch_ = true;
    }
    busy_ = true;
    ready_.notify_one();
}

std::optional<std::vector<wire::Result>> InferenceThread::take() {
    std::uint64_t count = 0;
    (void)!read(wake_fd_, &count, sizeof count);
    std::lock_guard lock(mutex_);
    if (!done_)
        return std::nullopt;
    auto results = std::move(done_);
    done_.reset();
    busy_ = false;
    return results;
}

void InferenceThread::loop() {
    for (;;) {
        std::vector<wire::Job> batch;
        ModelRunner* runner = nullptr;
        {
            std::unique_lock lock(mutex_);
            ready_.wait(lock, [this] { return stop_ || has_batch_; });
            if (stop_)
                return;
            batch = std::move(batch_);
            runner = runner_;
            has_batch_ = false;
        }
        auto results = runner->run(batch);
        board_.leave();
        {
            std::lock_guard lock(mutex_);
            done_ = std::move(results);
        }
        const std::uint64_t one = 1;
        (void)!write(wake_fd_, &one, sizeof one);
    }
}

} // namespace ferry::worker
