// The allow-lists: which CURVE public keys may connect, and in which roles.
#pragma once

#include "ferry/security/key_files.hpp"

#include <array>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace ferry::security {

// What a key may do; a key may hold several roles.
enum Role : std::uint8_t {
    role_producer = 1, // submit jobs and receive their outcomes
    role_worker = 2,   // receive jobs and return results
    role_admin = 4,    // STATUS and ADMIN (pause, trigger, cancel, redrive, ...)
};

// One allow-list as configured: a directory of .pub files and/or a list of keys (Z85 text or
// paths of .pub files).
struct AllowList {
    std::string directory;         // every *.pub file in it; empty: none
    std::vector<std::string> keys; // more keys
};

// The `security.curve` section of a configuration.
struct CurveConfig {
    std::string secret_key_file; // the broker's own key pair; empty: CURVE is off
    AllowList producers;         // keys that may submit
    AllowList workers;           // keys that may take jobs
    AllowList admins;            // keys that may administer
};

class KeyRing {
  public:
    // Grants `key` the roles in `roles` (added to any it holds).
    void grant(std::string_view key, std::uint8_t roles);
    // The roles of `key`; 0 when it is on no list.
    [[nodiscard]] std::uint8_t roles_of(std::string_view key) const;
    // Keys holding `role`.
    [[nodiscard]] std::size_t count(Role role) const;

  private:
    struct Hash {
        using is_transparent = void;
        std::size_t operator()(std::string_view key) const noexcept {
            return std::hash<std::string_view>{}(key);
        }
    };
    std::unordered_map<std::string, std::uint8_t, Hash, std::equal_to<>> roles_; // by Z85 key
    std::array<std::size_t, 3> counts_{}; // keys holding each role (bit i: counts_[i])
};

// Reads every allow-list of `config` (directories and entries) into a ring; a key that cannot be
// read is an error naming its file or entry, so a typo never silently locks someone out.
[[nodiscard]] KeyRing load_key_ring(const CurveConfig& config);

// The ring in force, shared by the ZAP handler's thread and the broker's loop, replaced whole
// on reload (SIGHUP).
class KeyRingHolder {
  public:
    explicit KeyRingHolder(KeyRing ring)
        : ring_(std::make_shared<const KeyRing>(std::move(ring))) {}
    [[nodiscard]] std::shared_ptr<const KeyRing> get() const {
        std::lock_guard lock(mutex_);
        return ring_;
    }
    void set(KeyRing ring) {
        auto next = std::make_shared<const KeyRing>(std::move(ring));
        std::lock_guard lock(mutex_);
        ring_ = std::move(next);
    }

  private:
    mutable std::mutex mutex_;            // guards ring_
    std::shared_ptr<const KeyRing> ring_; // never null
};

// The role names as the configuration spells them ("producers", ...), for messages.
[[nodiscard]] std::string role_names(std::uint8_t roles);

} // namespace ferry::security
