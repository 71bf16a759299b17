// Allow-lists into a key ring: directories and list entries, each key with its roles.
#include "ferry/security/key_ring.hpp"

#include <bit>
#include <fmt/format.h>

namespace ferry::security {

void KeyRing::grant(std::string_view key, std::uint8_t roles) {
    auto found = roles_.find(key);
    if (found == roles_.end()) {
        found = roles_.emplace(std::string(key), 0).first;
    }
    const std::uint8_t added = roles & ~found->second;
    for (std::size_t bit = 0; bit < counts_.size(); ++bit) {
        counts_[bit] += (added >> bit) & 1U;
    }
    found->second |= roles;
}

std::uint8_t KeyRing::roles_of(std::string_view key) const {
    const auto found = roles_.find(key);
    return found == roles_.end() ? 0 : found->second;
}

std::size_t KeyRing::count(Role role) const {
    return counts_[static_cast<std::size_t>(std::countr_zero(static_cast<unsigned>(role)))];
}

namespace {

void load_list(const AllowList& list, std::string_view name, Role role, KeyRing& ring) {
    if (!list.directory.empty()) {
        for (const auto& listed : read_public_key_directory(list.directory)) {
            ring.grant(listed.key, role);
        }
    }
    for (std::size_t i = 0; i < list.keys.size(); ++i) {
        ring.grant(resolve_public_key(list.keys[i],
                                      fmt::format("security.curve.{} entry {}", name, i + 1)),
                   role);
    }
}

} // namespace

KeyRing load_key_ring(const CurveConfig& config) {
    KeyRing ring;
    load_list(config.producers, "producers", role_producer, ring);
    load_list(config.workers, "workers", role_worker, ring);
    load_list(config.admins, "admins", role_admin, ring);
    return ring;
}

std::string role_names(std::uint8_t roles) {
    std::string names;
    for (const auto& [role, name] :
         {std::pair{role_producer, "producer"}, std::pair{role_worker, "worker"},
          std::pair{role_admin, "admin"}}) {
        if ((roles & role) != 0) {
            names += names.empty() ? name : std::string("+") + name;
        }
    }
    return names.empty() ? "none" : names;
}

} // namespace ferry::security
