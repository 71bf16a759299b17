// The broker's producer endpoint: SUBMIT with backpressure, ACK, HELLO, OUTCOMES delivery,
// STATUS and ADMIN.
#include "ferry/broker/broker.hpp"
#include "ferry/broker/status.hpp"

#include <spdlog/spdlog.h>

namespace ferry::broker {
namespace {
constexpr std::uint64_t queue_full_retry_ms = 100;    // suggested wait after QUEUE_FULL
constexpr std::uint64_t unavailable_retry_ms = 1000;  // suggested wait during shutdown
constexpr std::uint64_t journal_full_retry_ms = 1000; // suggested wait while the disk is full
} // namespace

// SUBMIT and ACK come to on_submit / on_ack from the loop directly (read as views).
void Broker::on_producer_message(const Incoming& incoming, wire::Message&& message) {
    if (std::holds_alternative<wire::Status>(message)) {
        on_status(producers_, incoming);
    } else if (const auto* admin = std::get_if<wire::Admin>(&message)) {
        on_admin(incoming, *admin);
    } else if (const auto* hello = std::get_if<wire::Hello>(&message)) {
        on_hello(incoming, *hello);
    } else if (const auto* disconnect = std::get_if<wire::Disconnect>(&message)) {
        on_producer_left(incoming, *disconnect);
    } else {
        on_bad_message(producers_, incoming, wire::DecodeErrorKind::unknown_command,
                       std::string(wire::name_of(wire::command_of(message))) +
                           " is not accepted on the producers endpoint");
    }
}

// Every job held counts, answered ones too: an outcome stays until its producer acknowledges it.
std::size_t Broker::pending() const noexcept {
    return scheduler_.held();
}

// A batch is taken whole or refused whole. The bound is checked before the batch, so memory stays
// within max_pending plus one batch (a lone batch larger than max_pending is still accepted, or
// it could never run). With the journal's disk full nothing new is taken: an accepted job must
// be on disk before it is acknowledged.
void Broker::on_submit(const Incoming& incoming, const wire::SubmitView& submit) {
    const std::string_view name = bound_client(submit.client);
    ClientState* client = claim(incoming, name, submit.session, submit.seq);
    if (client == nullptr) {
        return;
    }
    if (shutting_down_) {
        reject(incoming, submit.seq, wire::ErrorCode::unavailable, "the broker is shutting down",
               unavailable_retry_ms);
        return;
    }
    if (journal_ && journal_->blocked()) {
        ++counters_.journal_full_rejects;
        reject(incoming, submit.seq, wire::ErrorCode::journal_full,
               "the broker's journal disk is full (" + config_.journal.path + ", " +
                   std::to_string(journal_->free_bytes().value_or(0)) +
                   " bytes free); jobs it holds are still served; resubmit later",
               journal_full_retry_ms);
        return;
    }
    const std::size_t held = pending();
    if (held > 0 && held + submit.jobs.size() > config_.max_pending) {
        reject(incoming, submit.seq, wire::ErrorCode::queue_full,
               "the broker holds " + std::to_string(held) + " of max_pending " +
                   std::to_string(config_.max_pending) + " jobs",
               queue_full_retry_ms);
        return;
    }
    wire::Accepted accepted{submit.seq, 0, 0, 0};
    accepted.duplicates = scheduler_.submit_all(name, client->serial, submit.jobs, now_);
    accepted.accepted = submit.jobs.size() - accepted.duplicates;
    const std::size_t after = pending();
    accepted.credit = after >= config_.max_pending ? 0 : config_.max_pending - after;
    const std::uint64_t journal_end = journal_ ? journal_->appended_bytes() : 0;
    accepted_replies_.push_back(
        HeldReply{std::string(incoming.routing_view()), accepted, journal_end});
}

// The producer wrote these outcomes: the broker forgets them. Only the name's owner may say so.
void Broker::on_ack(const Incoming& incoming, const wire::AckView& ack) {
    const std::string_view name = bound_client(ack.client);
    ClientState* client = claim(incoming, name, ack.session, 0);
    if (client == nullptr) {
        return;
    }
    take_acknowledged(*client, ack.ranges);
    (void)scheduler_.acknowledge(name, acked_jobs_);
    while (!client->deliveries.empty() &&
           (client->deliveries.front() == acknowledged_slot ||
            !scheduler_.keeps(JobRef::unpack(client->deliveries.front())))) {
        client->deliveries.pop_front();
        ++client->first_delivery;
    }
}

// The jobs of the delivery numbers an ACK names (pairs: first, count), each taken once. Numbers
// outside what was delivered in this claim are ignored, so no ACK can make the broker loop long.
void Broker::take_acknowledged(ClientState& client, std::span<const std::uint64_t> ranges) {
    acked_jobs_.clear();
    const std::uint64_t end_delivered = client.first_delivery + client.deliveries.size();
    for (std::size_t i = 0; i + 1 < ranges.size(); i += 2) {
        const std::uint64_t start = ranges[i];
        if (start >= end_delivered) {
            continue;
        }
        const std::uint64_t stop = start + std::min(ranges[i + 1], end_delivered - start);
        for (std::uint64_t number = std::max(start, client.first_delivery); number < stop;
             ++number) {
            std::uint64_t& slot = client.deliveries[number - client.first_delivery];
            if (slot != acknowledged_slot) {
                acked_jobs_.push_back(JobRef::unpack(slot));
                slot = acknowledged_slot;
            }
        }
    }
}

// HELLO claims the name (or keeps the claim alive: it is the producer's heartbeat); WELCOME tells
// the producer this broker's life, so it notices a restart and resubmits what it still waits for.
void Broker::on_hello(const Incoming& incoming, const wire::Hello& hello) {
    ClientState* client = claim(incoming, bound_client(hello.client), hello.session, 0);
    if (client == nullptr) {
        return;
    }
    client->heartbeat_ms = std::clamp<std::uint64_t>(hello.heartbeat_ms, 10, 3'600'000);
    message_scratch_ = wire::Welcome{id_, client->heartbeat_ms, config_.liveness};
    (void)send(producers_, incoming.routing_view(), message_scratch_);
}

// A producer leaving frees its name at once. One whose run finished wrote every outcome it
// needed: what is still kept for it (an ACK lost in a crash it resumed from) is forgotten.
void Broker::on_producer_left(const Incoming& incoming, const wire::Disconnect& disconnect) {
    for (auto& [name, client] : clients_) {
        if (client.routing_id != incoming.routing_view() || client.left) {
            continue;
        }
        client.left = true;
        client.reset_deliveries(outbox_total_);
        const bool finished = disconnect.finished.value_or(false);
        const std::size_t forgotten = finished ? scheduler_.forget_kept(name) : 0;
        spdlog::debug("producer {} (session {}) left: {}{}", name, client.session,
                      disconnect.reason.value_or("no reason"),
                      forgotten > 0 ? ", " + std::to_string(forgotten) + " kept outcomes dropped"
                                    : std::string());
        return;
    }
}

// ACCEPTED leaves only after the journal wrote the jobs it acknowledges: one write (and under
// `always` one fsync) covers every SUBMIT of the pass. While the journal's disk is full the
// replies of the pass that met it wait for space.
void Broker::send_accepted_replies() {
    const std::uint64_t written = journal_ ? journal_->written_bytes() : 0;
    while (!accepted_replies_.empty() && accepted_replies_.front().journal_end <= written) {
        HeldReply& reply = accepted_replies_.front();
        message_scratch_ = reply.accepted;
        (void)send(producers_, reply.routing_id, message_scratch_);
        accepted_replies_.pop_front();
    }
}

void Broker::reject(const Incoming& incoming, std::uint64_t seq, wire::ErrorCode code,
                    const std::string& message, std::uint64_t retry_after_ms) {
    ++counters_.rejected_batches;
    message_scratch_ =
        wire::Rejected{seq, std::string(wire::name_of(code)), message, retry_after_ms};
    (void)send(producers_, incoming.routing_view(), message_scratch_);
}

// The outcomes of one RESULTS nearly always go to one producer, so the last client delivered to
// is remembered until the next flush: an outcome then costs a name compare, not two hash lookups
// (ClientState addresses are stable: clients_ is node-based and entries are erased only by the
// client sweep, which resets this cache).
ClientState& Broker::delivery_client(std::string_view name) {
    if (delivery_client_ == nullptr || delivery_name_ != name) {
        delivery_client_ = &client_named(name);
        delivery_name_ = name;
        dirty_clients_.emplace(name);
    }
    return *delivery_client_;
}

// Only the session that submitted the job, and still owns the name, gets the outcome; any other
// waits (kept) until a session submits the id again. Each outcome sent gets the next delivery
// number of the claim, by which the producer's ACK names it.
void Broker::deliver(std::string_view client, std::uint32_t session, JobRef job,
                     std::string_view outcome) {
    ClientState& state = delivery_client(client);
    if (session == 0 || session != state.serial) {
        return;
    }
    state.outbox.add(outcome, state.first_delivery + state.deliveries.size());
    state.deliveries.push_back(job.packed());
    ++outbox_total_;
}

void Broker::kept_changed(std::string_view client, int delta) {
    ClientState& state = delivery_client(client);
    state.kept = static_cast<std::uint64_t>(static_cast<std::int64_t>(state.kept) + delta);
}

ClientState& Broker::client_named(std::string_view name) {
    auto found = clients_.find(name);
    if (found == clients_.end()) {
        found = clients_.emplace(std::string(name), ClientState{}).first;
        found->second.last_heard = now_;
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
        wire::encode_outcomes(chunk.records, chunk.count, frames_scratch_, chunk.first);
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
    StatusView view{id_,       now_ - started_at_, scheduler_,
                    counters_, pending(),          done_per_s(),
                    now_,      coverage_,          journal_ && journal_->blocked(),
                    journal(), security_figures()};
    message_scratch_ = wire::StatusReply{encode_status(view)};
    (void)send(socket, incoming.routing_view(), message_scratch_);
}

// ADMIN is answered at once by the embedding service, on this thread (the service must be quick);
// the reply goes to the asking connection only, like STATUS_REPLY.
void Broker::on_admin(const Incoming& incoming, const wire::Admin& admin) {
    AdminAnswer answer = admin_answer(admin);
    wire::AdminReply reply{answer.ok, std::move(answer.reply), std::nullopt};
    if (!answer.code.empty()) {
        reply.code = std::move(answer.code);
    }
    message_scratch_ = std::move(reply);
    (void)send(producers_, incoming.routing_view(), message_scratch_);
}

// Whatever the service throws is its bug, not the broker's: it becomes a failed reply, and the
// loop goes on serving every other peer.
AdminAnswer Broker::admin_answer(const wire::Admin& admin) {
    if (auto answer = broker_admin(admin)) {
        return std::move(*answer);
    }
    if (!admin_service_) {
        return {false,
                "this broker has no scheduler: pipeline commands need `ferry serve` (the broker "
                "of `ferry broker` and `ferry run` only carries jobs)",
                std::string(wire::code_name(wire::ErrorCode::unsupported))};
    }
    try {
        return admin_service_->answer(admin.command, admin.args);
    } catch (const std::exception& error) {
        spdlog::error("admin request '{}' failed in the service: {}", admin.command, error.what());
        return {false, "the service failed on '" + admin.command + "': " + error.what(),
                std::string(wire::code_name(wire::ErrorCode::internal))};
    } catch (...) {
        spdlog::error("admin request '{}' failed in the service: unknown exception", admin.command);
        return {false, "the service failed on '" + admin.command + "' (unknown exception)",
                std::string(wire::code_name(wire::ErrorCode::internal))};
    }
}

} // namespace ferry::broker
