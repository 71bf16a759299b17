// The broker's producer endpoint: SUBMIT with backpressure, OUTCOMES delivery, STATUS.
#include "ferry/broker/broker.hpp"
#include "ferry/broker/status.hpp"

#include <spdlog/spdlog.h>

namespace ferry::broker {
namespace {
constexpr std::uint64_t queue_full_retry_ms = 100;   // suggested wait after QUEUE_FULL
constexpr std::uint64_t unavailable_retry_ms = 1000; // suggested wait during shutdown
} // namespace

// SUBMIT comes to on_submit from the loop directly (read as a view).
void Broker::on_producer_message(const Incoming& incoming, wire::Message&& message) {
    if (std::holds_alternative<wire::Status>(message)) {
        on_status(producers_, incoming);
    } else {
        on_bad_message(producers_, incoming, wire::DecodeErrorKind::unknown_command,
                       std::string(wire::name_of(wire::command_of(message))) +
                           " is not accepted on the producers endpoint");
    }
}

// Outcomes, undelivered included, count as held: they are memory the broker owns.
std::size_t Broker::pending() const noexcept {
    return scheduler_.held() + outbox_total_;
}

// A batch is taken whole or refused whole. The bound is checked before the batch, so memory stays
// within max_pending plus one batch (a lone batch larger than max_pending is still accepted, or
// it could never run).
void Broker::on_submit(const Incoming& incoming, const wire::SubmitView& submit) {
    ClientState& client = client_named(submit.client);
    client.routing_id.assign(incoming.routing_view());
    client.reachable = true;
    if (!client.outbox.empty()) {
        dirty_clients_.emplace(submit.client);
    }
    if (shutting_down_) {
        reject(incoming, submit.seq, "UNAVAILABLE", "the broker is shutting down",
               unavailable_retry_ms);
        return;
    }
    const std::size_t held = pending();
    if (held > 0 && held + submit.jobs.size() > config_.max_pending) {
        reject(incoming, submit.seq, "QUEUE_FULL",
               "the broker holds " + std::to_string(held) + " of max_pending " +
                   std::to_string(config_.max_pending) + " jobs",
               queue_full_retry_ms);
        return;
    }
    wire::Accepted accepted{submit.seq, 0, 0, 0};
    accepted.duplicates = scheduler_.submit_all(submit.client, submit.jobs, now_);
    accepted.accepted = submit.jobs.size() - accepted.duplicates;
    const std::size_t after = pending();
    accepted.credit = after >= config_.max_pending ? 0 : config_.max_pending - after;
    accepted_replies_.emplace_back(std::string(incoming.routing_view()), accepted);
}

// ACCEPTED leaves only after the pass's journal commit wrote the jobs it acknowledges: one write
// (and under `always` one fsync) covers every SUBMIT of the pass.
void Broker::send_accepted_replies() {
    for (auto& [routing_id, accepted] : accepted_replies_) {
        message_scratch_ = accepted;
        (void)send(producers_, routing_id, message_scratch_);
    }
    accepted_replies_.clear();
}

void Broker::reject(const Incoming& incoming, std::uint64_t seq, const char* code,
                    const std::string& message, std::uint64_t retry_after_ms) {
    ++counters_.rejected_batches;
    message_scratch_ = wire::Rejected{seq, code, message, retry_after_ms};
    (void)send(producers_, incoming.routing_view(), message_scratch_);
}

// The outcomes of one RESULTS nearly always go to one producer, so the last client delivered to
// is remembered until the next flush: an outcome then costs a name compare, not two hash lookups
// (ClientState addresses are stable: clients_ is node-based and never erased from).
void Broker::deliver(std::string_view client, const wire::OutcomeView& outcome) {
    if (delivery_client_ == nullptr || delivery_name_ != client) {
        delivery_client_ = &client_named(client);
        delivery_name_ = client;
        dirty_clients_.emplace(client);
    }
    delivery_client_->outbox.add(outcome);
    ++outbox_total_;
}

ClientState& Broker::client_named(std::string_view name) {
    auto found = clients_.find(name);
    if (found == clients_.end()) {
        found = clients_.emplace(std::string(name), ClientState{}).first;
    }
    return found->second;
}

void Broker::flush_outboxes() {
    outbox_blocked_ = false;
    delivery_client_ = nullptr; // the dirty set changes below

    for (auto it = dirty_clients_.begin(); it != dirty_clients_.end();) {
        if (flush_client(client_named(*it))) {
            it = dirty_clients_.erase(it);
        } else {
            ++it;
        }
    }
}

// Outcomes leave in chunks; a chunk that cannot go (peer gone or pipe full) stays at the front
// of the outbox until the client's next message shows a live connection. Returns true when the
// client's outbox is empty or it waits for the client to come back.
bool Broker::flush_client(ClientState& client) {
    while (!client.outbox.empty()) {
        if (!client.reachable) {
            return true;
        }
        const auto chunk = client.outbox.front();
        wire::encode_outcomes(chunk.records, chunk.count, frames_scratch_);
        const SendStatus status = producers_.send(client.routing_id, frames_scratch_);
        if (status == SendStatus::sent) {
            client.outbox.pop_front();
            outbox_total_ -= chunk.count;
            continue;
        }
        if (status == SendStatus::unroutable) {
            client.reachable = false;
            return true;
        }
        outbox_blocked_ = true;
        return false;
    }
    return true;
}

void Broker::on_status(RouterSocket& socket, const Incoming& incoming) {
    StatusView view{id_,       now_ - started_at_, scheduler_, counters_,
                    pending(), done_per_s(),       now_,       coverage_};
    message_scratch_ = wire::StatusReply{encode_status(view)};
    (void)send(socket, incoming.routing_view(), message_scratch_);
}

} // namespace ferry::broker
