// The server's threads, one connection each: at most `workers` connections are served at once.
// A connection beyond that is not queued behind the others (where a slow client would hold it
// for long): a thread of its own reads its request and answers 503 at once.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <httplib.h>
#include <mutex>
#include <thread>
#include <vector>

namespace ferry::http {

class ConnectionPool : public httplib::TaskQueue {
  public:
    explicit ConnectionPool(std::size_t workers);
    ~ConnectionPool() override;

    void enqueue(std::function<void()> fn) override;
    void shutdown() override;

    // True on the thread that answers connections beyond the cap (pre-routing checks it).
    [[nodiscard]] static bool over_capacity();

  private:
    void work(bool rejecting);

    std::size_t workers_;
    std::mutex mutex_;
    std::condition_variable ready_;
    std::deque<std::function<void()>> queue_;    // served connections not yet picked up
    std::deque<std::function<void()>> rejected_; // connections beyond the cap
    std::size_t busy_ = 0;
    bool stopping_ = false;
    std::vector<std::thread> threads_;
};

} // namespace ferry::http
