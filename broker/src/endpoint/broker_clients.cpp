// Producer client names: who owns one, when another session may take it, and how long outcomes
// wait for a producer that is gone.
#include "ferry/broker/broker.hpp"

#include <spdlog/spdlog.h>

namespace ferry::broker {
namespace {
constexpr auto client_sweep_interval = std::chrono::seconds(1);
} // namespace

// A session that does not own the name is refused while the owner is alive, so two producers can
// never split one name's outcomes between them; the refusal says when to try again (when the
// owner's silence would make it gone). Returns null after refusing.
ClientState* Broker::claim(const Incoming& incoming, std::string_view name,
                           std::string_view session, std::uint64_t seq) {
    ClientState& client = client_named(name);
    if (client.session != session) {
        if (owner_alive(client)) {
            ++counters_.claims_refused;
            const auto silent = millis_between(client.last_heard, now_);
            const auto wait = std::max<long long>(1, liveness_span(client).count() - silent);
            reject(incoming, seq, wire::ErrorCode::client_in_use,
                   "client name '" + std::string(name) + "' belongs to another live producer " +
                       "(session " + client.session + ", last heard " + std::to_string(silent) +
                       " ms ago): another run with the same output or producer.client is " +
                       "running, or the previous one has not yet been silent for " +
                       std::to_string(liveness_span(client).count()) + " ms",
                   static_cast<std::uint64_t>(wait));
            return nullptr;
        }
        take_over(client, name, session);
    }
    client.last_heard = now_;
    client.left = false;
    client.reachable = true;
    if (client.routing_id != incoming.routing_view()) {
        client.routing_id.assign(incoming.routing_view());
    }
    if (!client.outbox.empty()) {
        dirty_clients_.emplace(name);
    }
    return &client;
}

// Outcomes waiting in the outbox were meant for the previous session; the new one gets each
// again when it submits that id (a resumed run submits exactly what its output lacks).
void Broker::take_over(ClientState& client, std::string_view name, std::string_view session) {
    if (!client.session.empty()) {
        spdlog::info("client {}: producer session {} takes the name over from session {} ({})",
                     name, session, client.session,
                     client.left ? "it left" : "it was silent past heartbeat x liveness");
    }
    client.session.assign(session);
    client.serial = ++last_serial_;
    client.heartbeat_ms = 0;
    client.reset_deliveries(outbox_total_);
}

bool Broker::owner_alive(const ClientState& client) const {
    return !client.session.empty() && !client.left &&
           now_ - client.last_heard < liveness_span(client);
}

Millis Broker::liveness_span(const ClientState& client) const {
    const std::uint64_t heartbeat =
        client.heartbeat_ms != 0 ? client.heartbeat_ms : config_.heartbeat_ms;
    return Millis(static_cast<long long>(heartbeat * config_.liveness));
}

// Once a second: outcomes of a producer gone for longer than outcome_retention_s are given up
// (a crashed run nobody resumed), and names with nothing left are forgotten, so a long-lived
// broker does not grow with every run it served.
void Broker::expire_clients() {
    if (now_ < next_client_sweep_) {
        return;
    }
    next_client_sweep_ = now_ + client_sweep_interval;
    const auto retention = std::chrono::seconds(config_.outcome_retention_s);
    for (auto it = clients_.begin(); it != clients_.end();) {
        ClientState& client = it->second;
        const bool expired = !owner_alive(client) && now_ - client.last_heard >= retention;
        if (expired && client.kept > 0) {
            const std::size_t forgotten = scheduler_.forget_kept(it->first);
            spdlog::warn("client {}: no producer for {} s; {} outcomes nobody acknowledged are "
                         "dropped (outcome_retention_s)",
                         it->first, config_.outcome_retention_s, forgotten);
        }
        if (expired && client.kept == 0 && client.outbox.empty()) {
            dirty_clients_.erase(it->first);
            it = clients_.erase(it);
            delivery_client_ = nullptr;
        } else {
            ++it;
        }
    }
}

} // namespace ferry::broker
