// A single model thread fed runs of batches by the socket thread.
#include "ferry/worker/inference_thread.hpp"

#include <cstdint>
#include <sys/eventfd.h>
#include <system_error>
#include <unistd.h>

namespace ferry::worker {
namespace {

constexpr auto publish_every = std::chrono::milliseconds(1);

} // namespace

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

void InferenceThread::start(ModelRunner& runner, std::vector<std::vector<wire::Job>> batches) {
    {
        std::lock_guard lock(mutex_);
        runner_ = &runner;
        batches_ = std::move(batches);
        has_run_ = true;
    }
    busy_ = true;
    ready_.notify_one();
}

Finished InferenceThread::take() {
    std::uint64_t count = 0;
    (void)!read(wake_fd_, &count, sizeof count);
    std::lock_guard lock(mutex_);
    Finished finished = std::move(done_);
    done_ = {};
    if (finished.idle)
        busy_ = false;
    return finished;
}

InferenceThread::Clock::time_point InferenceThread::inside_since() const {
    return Clock::time_point(Clock::duration(inside_since_.load(std::memory_order_acquire)));
}

void InferenceThread::publish(std::vector<wire::Result>& pending, bool last) {
    {
        std::lock_guard lock(mutex_);
        for (auto& result : pending)
            done_.results.push_back(std::move(result));
        done_.idle = last;
    }
    pending.clear();
    const std::uint64_t one = 1;
    (void)!write(wake_fd_, &one, sizeof one);
}

void InferenceThread::run_all(ModelRunner& runner, std::vector<std::vector<wire::Job>> batches) {
    std::vector<wire::Result> pending;
    auto published = Clock::now();
    for (auto& batch : batches) {
        const auto entered = Clock::now();
        inside_since_.store(entered.time_since_epoch().count(), std::memory_order_release);
        board_.enter_batch(batch);
        auto results = runner.run(batch);
        board_.leave();
        for (auto& result : results)
            pending.push_back(std::move(result));
        if (Clock::now() - published >= publish_every && &batch != &batches.back()) {
            publish(pending, false);
            published = Clock::now();
        }
    }
    publish(pending, true);
}

void InferenceThread::loop() {
    for (;;) {
        std::vector<std::vector<wire::Job>> batches;
        ModelRunner* runner = nullptr;
        {
            std::unique_lock lock(mutex_);
            ready_.wait(lock, [this] { return stop_ || has_run_; });
            if (stop_)
                return;
            batches = std::move(batches_);
            runner = runner_;
            has_run_ = false;
        }
        run_all(*runner, std::move(batches));
    }
}

} // namespace ferry::worker
