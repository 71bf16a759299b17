// A fixed pool of connection threads with a cap, and one thread that turns the excess away.
#include "connection_pool.hpp"

namespace ferry::http {
namespace {
thread_local bool rejecting_thread = false;
} // namespace

ConnectionPool::ConnectionPool(std::size_t workers) : workers_(workers) {
    for (std::size_t i = 0; i < workers_; ++i) {
        threads_.emplace_back([this] { work(false); });
    }
    threads_.emplace_back([this] { work(true); });
}

ConnectionPool::~ConnectionPool() {
    shutdown();
}

bool ConnectionPool::over_capacity() {
    return rejecting_thread;
}

void ConnectionPool::enqueue(std::function<void()> fn) {
    {
        const std::lock_guard lock(mutex_);
        if (busy_ + queue_.size() >= workers_) {
            rejected_.push_back(std::move(fn));
        } else {
            queue_.push_back(std::move(fn));
        }
    }
    ready_.notify_all();
}

void ConnectionPool::shutdown() {
    {
        const std::lock_guard lock(mutex_);
        if (stopping_ && threads_.empty()) {
            return;
        }
        stopping_ = true;
    }
    ready_.notify_all();
    for (auto& thread : threads_) {
        if (thread.joinable()) {
            thread.join();
        }
    }
    threads_.clear();
}

void ConnectionPool::work(bool rejecting) {
    rejecting_thread = rejecting;
    auto& mine = rejecting ? rejected_ : queue_;
    for (;;) {
        std::function<void()> fn;
        {
            std::unique_lock lock(mutex_);
            ready_.wait(lock, [&] { return stopping_ || !mine.empty(); });
            if (mine.empty()) {
                return; // stopping, and nothing left to finish
            }
            fn = std::move(mine.front());
            mine.pop_front();
            if (!rejecting) {
                ++busy_;
            }
        }
        fn();
        if (!rejecting) {
            const std::lock_guard lock(mutex_);
            --busy_;
        }
    }
}

} // namespace ferry::http
