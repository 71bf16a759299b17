// CURVE on the broker's endpoints: the role each command needs, client names bound to keys,
// allow-lists reloaded between passes, and the standing warning of an insecure broker.
#include "ferry/broker/broker.hpp"
#include "ferry/security/endpoint_scope.hpp"

#include <spdlog/spdlog.h>

namespace ferry::broker {
namespace {

constexpr auto insecure_warning_interval = std::chrono::minutes(1);
constexpr std::size_t bound_label_length = 10; // key characters appended to a client name

// STATUS and ADMIN read or change the broker as a whole; the rest is a producer's or a worker's
// own traffic, by endpoint.
std::uint8_t role_needed(wire::Command command, bool from_workers) {
    if (command == wire::Command::status || command == wire::Command::admin) {
        return security::role_admin;
    }
    return from_workers ? security::role_worker : security::role_producer;
}

const char* list_of(std::uint8_t role) {
    switch (role) {
    case security::role_admin:
        return "admins";
    case security::role_worker:
        return "workers";
    default:
        return "producers";
    }
}

} // namespace

// The handshake already checked the key against the endpoint; this checks the command against
// the key's roles now (a key revoked since its handshake keeps its connection, not its rights).
// Messages without a key come over inproc from this process's own HTTP gateway.
bool Broker::permitted(RouterSocket& socket, const Incoming& incoming, wire::Command command,
                       bool from_workers) {
    const char* key = zmq_msg_gets(incoming.header.handle(), "User-Id");
    peer_key_ = key != nullptr ? std::string_view(key) : std::string_view();
    if (peer_key_.empty()) {
        return true;
    }
    const std::uint8_t roles = keys_->roles_of(peer_key_);
    if ((roles & role_needed(command, from_workers)) != 0) {
        return true;
    }
    refuse(socket, incoming, command, roles, from_workers);
    return false;
}

// The sender is authenticated, so it is told why (it learns nothing it did not know); a worker
// whose key lost its role is purged at once, its jobs re-queued for others.
void Broker::refuse(RouterSocket& socket, const Incoming& incoming, wire::Command command,
                    std::uint8_t roles, bool from_workers) {
    ++counters_.forbidden_messages;
    const std::uint8_t needed = role_needed(command, from_workers);
    const std::string label = security::key_label(peer_key_);
    if (may_log_peer_problem()) {
        spdlog::warn("refused {} from key {}... on the {} endpoint: it has role {}, {} needs an "
                     "{} key",
                     wire::name_of(command), label, from_workers ? "workers" : "producers",
                     security::role_names(roles), wire::name_of(command), list_of(needed));
    }
    if (from_workers) {
        if (WorkerRecord* worker = scheduler_.workers().by_routing_id(incoming.routing_view())) {
            scheduler_.remove_worker(worker->id, WorkerExit::disconnected,
                                     "its key is no longer allowed", now_);
        }
    }
    message_scratch_ = wire::ErrorReply{
        wire::code_name(wire::ErrorCode::forbidden),
        fmt::format("key {}... may not send {}: it needs to be in security.curve.{} on the broker",
                    label, wire::name_of(command), list_of(needed)),
        std::string(wire::name_of(command))};
    (void)send(socket, incoming.routing_view(), message_scratch_);
}

// Under CURVE a client name belongs to the key that uses it: NAME becomes NAME@<first key
// characters>, so no key can claim, acknowledge or receive another key's outcomes, and the
// binding survives a restart (the journal holds the bound name). Without a key: unchanged.
std::string_view Broker::bound_client(std::string_view name) {
    if (peer_key_.empty()) {
        return name;
    }
    bound_name_.assign(name);
    bound_name_ += '@';
    bound_name_ += peer_key_.substr(0, bound_label_length);
    return bound_name_;
}

// Takes the allow-lists in force for this pass; when they changed (reload), workers whose key
// lost the worker role are purged at once rather than at their next message.
void Broker::refresh_keys() {
    if (!zap_) {
        return;
    }
    auto ring = config_.security.keys->get();
    if (ring == keys_) {
        return;
    }
    const bool reload = keys_ != nullptr;
    keys_ = std::move(ring);
    if (!reload) {
        return;
    }
    std::vector<std::uint32_t> revoked;
    for (const auto& [id, worker] : scheduler_.workers().all()) {
        if (!worker.key.empty() && (keys_->roles_of(worker.key) & security::role_worker) == 0) {
            revoked.push_back(id);
        }
    }
    for (const auto id : revoked) {
        const WorkerRecord& worker = *scheduler_.workers().by_id(id);
        spdlog::warn("worker {}: its key {}... was revoked; purged, its jobs re-queued",
                     worker.name, security::key_label(worker.key));
        scheduler_.remove_worker(id, WorkerExit::disconnected, "its key was revoked", now_);
    }
    spdlog::info("allow-lists reloaded: {} producer, {} worker, {} admin keys",
                 keys_->count(security::role_producer), keys_->count(security::role_worker),
                 keys_->count(security::role_admin));
}

void Broker::warn_if_insecure() {
    if (!config_.security.insecure || config_.security.curve() || now_ < next_insecure_warning_) {
        return;
    }
    next_insecure_warning_ = now_ + insecure_warning_interval;
    if (security::is_local_endpoint(endpoints_.producers) &&
        security::is_local_endpoint(endpoints_.workers)) {
        return;
    }
    spdlog::warn("INSECURE: CURVE is off and the broker listens beyond loopback (producers={} "
                 "workers={}): anyone who reaches these ports can submit jobs and take payloads "
                 "(security.insecure: true). See docs/security.md to turn CURVE on",
                 endpoints_.producers, endpoints_.workers);
}

StatusSecurity Broker::security_figures() const {
    StatusSecurity figures;
    figures.curve = config_.security.curve();
    figures.insecure = config_.security.insecure && !figures.curve;
    figures.forbidden = counters_.forbidden_messages;
    if (zap_) {
        const auto counts = zap_->counts();
        figures.refused_unknown = counts.unknown_key;
        figures.refused_role = counts.wrong_role;
        figures.producers = keys_->count(security::role_producer);
        figures.workers = keys_->count(security::role_worker);
        figures.admins = keys_->count(security::role_admin);
    }
    return figures;
}

} // namespace ferry::broker
