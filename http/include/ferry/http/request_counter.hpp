// HTTP requests counted by route pattern and status code, for /metrics. Thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>

namespace ferry::http {

class RequestCounter {
  public:
    // `route` is the route's pattern ("/v1/jobs/{id}"), never the concrete path (no ids in
    // labels); requests matching no route count under "unmatched".
    void add(const std::string& route, int status) {
        const std::lock_guard lock(mutex_);
        ++counts_[{route, status}];
    }
    [[nodiscard]] std::map<std::pair<std::string, int>, std::uint64_t> snapshot() const {
        const std::lock_guard lock(mutex_);
        return counts_;
    }

  private:
    mutable std::mutex mutex_;
    std::map<std::pair<std::string, int>, std::uint64_t> counts_;
};

} // namespace ferry::http
