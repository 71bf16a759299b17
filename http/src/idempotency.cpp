// Idempotency keys: one answer per key and body, kept for the retention time.
#include "ferry/http/idempotency.hpp"

#include <openssl/evp.h>

namespace ferry::http {

std::string sha256_hex(std::string_view data) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    EVP_Digest(data.data(), data.size(), digest, &length, EVP_sha256(), nullptr);
    static constexpr char digits[] = "0123456789abcdef";
    std::string hex;
    hex.reserve(length * 2);
    for (unsigned int i = 0; i < length; ++i) {
        hex.push_back(digits[digest[i] >> 4]);
        hex.push_back(digits[digest[i] & 0xF]);
    }
    return hex;
}

KeyClaim IdempotencyKeys::claim(const std::string& scope, const std::string& key,
                                const std::string& body_hash) {
    const auto now = std::chrono::steady_clock::now();
    const std::lock_guard lock(mutex_);
    sweep(now);
    auto [it, added] = entries_.try_emplace(scope + '\n' + key);
    Entry& entry = it->second;
    if (added) {
        entry.body_hash = body_hash;
        entry.at = now;
        return {KeyState::fresh, 0, ""};
    }
    if (entry.body_hash != body_hash) {
        return {KeyState::conflict, 0, ""};
    }
    if (!entry.answered) {
        return {KeyState::in_progress, 0, ""};
    }
    return {KeyState::replay, entry.status, entry.body};
}

void IdempotencyKeys::complete(const std::string& scope, const std::string& key, int status,
                               std::string body) {
    const std::lock_guard lock(mutex_);
    const auto found = entries_.find(scope + '\n' + key);
    if (found != entries_.end()) {
        found->second.answered = true;
        found->second.status = status;
        found->second.body = std::move(body);
        found->second.at = std::chrono::steady_clock::now();
    }
}

void IdempotencyKeys::release(const std::string& scope, const std::string& key) {
    const std::lock_guard lock(mutex_);
    entries_.erase(scope + '\n' + key);
}

// At most once a second, answered keys older than the retention are forgotten.
void IdempotencyKeys::sweep(std::chrono::steady_clock::time_point now) {
    if (now < next_sweep_) {
        return;
    }
    next_sweep_ = now + std::chrono::seconds(1);
    std::erase_if(entries_, [&](const auto& item) {
        return item.second.answered && item.second.at + retention_ <= now;
    });
}

} // namespace ferry::http
