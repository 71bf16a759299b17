// Idempotency-Key for POST requests: the first request with a key does the work; a retry with
// the same key and the same body gets the first response again; the same key with another body
// is refused (422), and so is a retry while the first is still being answered (409). Keys are
// kept for the outcome retention time.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

namespace ferry::http {

// SHA-256 of `data` as 64 lowercase hex digits.
[[nodiscard]] std::string sha256_hex(std::string_view data);

enum class KeyState {
    fresh,       // first use: the caller does the work, then complete() or release()
    replay,      // same key, same body, answered before: send `status` and `body` again
    conflict,    // same key, another body: 422
    in_progress, // same key, same body, not answered yet: 409
};

struct KeyClaim {
    KeyState state = KeyState::fresh;
    int status = 0;   // replay: the first response's status
    std::string body; // replay: the first response's body
};

class IdempotencyKeys {
  public:
    explicit IdempotencyKeys(std::uint64_t retention_s) : retention_(retention_s) {}

    // `scope` keeps keys of different routes apart; `body_hash` identifies the request body.
    [[nodiscard]] KeyClaim claim(const std::string& scope, const std::string& key,
                                 const std::string& body_hash);
    // The work was done: later claims replay this response.
    void complete(const std::string& scope, const std::string& key, int status, std::string body);
    // The work was not done (refused, failed): the key may be used again.
    void release(const std::string& scope, const std::string& key);

  private:
    struct Entry {
        std::string body_hash;
        bool answered = false;
        int status = 0;
        std::string body;
        std::chrono::steady_clock::time_point at;
    };
    void sweep(std::chrono::steady_clock::time_point now);

    std::chrono::seconds retention_;
    std::mutex mutex_;
    std::unordered_map<std::string, Entry> entries_; // scope + '\n' + key
    std::chrono::steady_clock::time_point next_sweep_{};
};

} // namespace ferry::http
