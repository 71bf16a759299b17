// The producer's side of the broker link: claiming the client name, outcomes in, ACKs out,
// refusals, and noticing a restarted broker.
#include "ferry/producer/broker_status.hpp"
#include "ferry/producer/producer.hpp"
#include "ferry/wire/codec.hpp"
#include "ferry/wire/views.hpp"

#include <algorithm>
#include <cerrno>
#include <fmt/format.h>
#include <msgpack.hpp>
#include <spdlog/spdlog.h>
#include <stdexcept>

namespace ferry::producer {
namespace {

constexpr int goodbye_linger_ms = 1000; // how long the last ACK and DISCONNECT may take to leave

} // namespace

// HELLO claims the client name for this session, and repeated every heartbeat it keeps the
// claim alive: a producer silent for heartbeat x liveness is gone, and its name free for a
// resumed run. The broker answers WELCOME, which also says which broker life it is.
void Producer::keep_claim() {
    const auto now = Clock::now();
    if (now < next_hello_)
        return;
    send(wire::Hello{options_.client, session_, options_.heartbeat_ms});
    next_hello_ = now + std::chrono::milliseconds(options_.heartbeat_ms);
}

// Outcomes reach the output file (the kernel) before the broker is told it may forget them, so
// a crash of this process at any moment leaves every outcome either in the output or with the
// broker, which sends it again when the resumed run submits that id. The ACK names outcomes by
// delivery number, as runs (first, count): in completion order one run covers a whole pass.
// Numbers of an earlier broker life mean nothing to the present one and are left out (that life's
// journal keeps those outcomes until this run finishes).
void Producer::acknowledge_written() {
    output_.flush();
    auto& written = output_.flushed_deliveries();
    if (written.empty())
        return;
    std::vector<std::uint64_t> numbers;
    numbers.reserve(written.size());
    for (const Delivery& delivery : written) {
        if (delivery.life == broker_life_)
            numbers.push_back(delivery.number);
    }
    written.clear();
    std::sort(numbers.begin(), numbers.end());
    wire::AckView ack{options_.client, session_, {}};
    for (const std::uint64_t number : numbers) {
        const std::size_t size = ack.ranges.size();
        if (size > 0 && ack.ranges[size - 2] + ack.ranges[size - 1] == number) {
            ++ack.ranges[size - 1];
            continue;
        }
        if (size + 2 > wire::max_batch)
            send_ack(ack);
        ack.ranges.insert(ack.ranges.end(), {number, 1});
    }
    if (!ack.ranges.empty())
        send_ack(ack);
}

void Producer::send_ack(wire::AckView& ack) {
    wire::Frames frames;
    wire::encode_into(ack, frames);
    send_frames(frames);
    ack.ranges.clear();
}

// DISCONNECT frees the name at once; `finished` also tells the broker it may drop any outcome it
// still keeps for the name (one whose ACK a crash lost: the output has it). A run that never got
// its claim claims first, so the broker knows whose goodbye it is.
void Producer::say_goodbye(bool finished) {
    acknowledge_written();
    if (!welcomed_)
        send(wire::Hello{options_.client, session_, options_.heartbeat_ms});
    send(wire::Disconnect{finished ? "run finished" : "run interrupted", finished});
    socket_.set(zmq::sockopt::linger, goodbye_linger_ms);
}

// Retrying cannot help until the broker lists the key: the run ends, saying so.
void Producer::check_key_refused() {
    if (std::string refusal = handshakes_.refusal(); !refusal.empty()) {
        throw security::KeyError(refusal);
    }
}

void Producer::warn_if_broker_silent() {
    auto now = Clock::now();
    if ((welcomed_ && outstanding_.empty()) || now - last_heard_ < std::chrono::seconds(5) ||
        now < next_silence_warning_) {
        return;
    }
    next_silence_warning_ = now + std::chrono::seconds(10);
    spdlog::warn("no answer from the broker at {} for {:.0f} s; {} jobs wait for it (they are "
                 "resubmitted if it comes back restarted)",
                 options_.endpoint, std::chrono::duration<double>(now - last_heard_).count(),
                 outstanding_.size());
}

// A signal (Ctrl-C) interrupts the poll: that is a wake-up to check `stop`, not an error.
bool Producer::wait_readable(std::chrono::milliseconds timeout) {
    zmq::pollitem_t item{socket_.handle(), 0, ZMQ_POLLIN, 0};
    try {
        zmq::poll(&item, 1, timeout);
    } catch (const zmq::error_t& error) {
        if (error.num() == EINTR)
            return false;
        throw;
    }
    return (item.revents & ZMQ_POLLIN) != 0;
}

void Producer::receive_all() {
    zmq::message_t header;
    zmq::message_t body;
    while (socket_.recv(header, zmq::recv_flags::dontwait)) {
        if (!header.more()) {
            spdlog::warn("dropping a one-frame message from the broker");
            continue;
        }
        (void)socket_.recv(body, zmq::recv_flags::none);
        while (body.more())
            (void)socket_.recv(body, zmq::recv_flags::none);
        last_heard_ = Clock::now();
        if (receive_outcomes(header.to_string_view(), body.to_string_view()))
            continue;
        auto decoded = wire::decode(header.to_string_view(), body.to_string_view());
        if (auto* error = std::get_if<wire::DecodeError>(&decoded)) {
            spdlog::warn("dropping a malformed message from the broker: {}: {}",
                         wire::name_of(error->kind), error->detail);
            continue;
        }
        handle(std::move(std::get<wire::Message>(decoded)));
    }
}

// OUTCOMES, the message of every job, is read in place (views into the frame, a reused
// message); false for any other command, which takes the general decoder.
bool Producer::receive_outcomes(std::string_view header, std::string_view body) {
    const auto command = wire::decode_header(header);
    const auto* known = std::get_if<wire::Command>(&command);
    if (known == nullptr || *known != wire::Command::outcomes)
        return false;
    if (auto error = wire::decode_view(body, outcomes_view_)) {
        spdlog::warn("dropping a malformed message from the broker: {}: {}",
                     wire::name_of(error->kind), error->detail);
        return true;
    }
    handle_outcomes(outcomes_view_);
    return true;
}

void Producer::handle(wire::Message message) {
    if (auto* outcomes = std::get_if<wire::Outcomes>(&message)) {
        handle_outcomes(wire::convert<wire::OutcomesView>(*outcomes));
    } else if (auto* accepted = std::get_if<wire::Accepted>(&message)) {
        unacknowledged_.erase(accepted->seq);
        waiting_.clear();
    } else if (auto* rejected = std::get_if<wire::Rejected>(&message)) {
        handle_rejected(*rejected);
    } else if (auto* welcome = std::get_if<wire::Welcome>(&message)) {
        handle_welcome(*welcome);
    } else if (auto* reply = std::get_if<wire::StatusReply>(&message)) {
        handle_status(*reply);
    } else if (auto* error = std::get_if<wire::ErrorReply>(&message)) {
        if (error->code == wire::code_name(wire::ErrorCode::forbidden) &&
            error->refused == wire::name_of(wire::Command::status)) {
            // A producer key without the admin role: progress goes on without the worker count.
            spdlog::debug("the broker keeps its status from this key: {}", error->message);
            status_forbidden_ = true;
            return;
        }
        throw std::runtime_error(fmt::format("the broker at {} refused us: {}: {}",
                                             options_.endpoint, error->code, error->message));
    }
}

// A new broker life knows only what its journal kept: every job without an outcome is sent
// again (jobs it still holds are absorbed, kept outcomes come back).
void Producer::handle_welcome(const wire::Welcome& welcome) {
    if (!welcomed_ && owner_free_at_) {
        spdlog::info("client name {} is free again: continuing", options_.client);
    }
    welcomed_ = true;
    owner_free_at_.reset();
    if (!broker_id_.empty() && welcome.broker != broker_id_) {
        ++broker_life_;
        resubmit_outstanding(
            fmt::format("the broker restarted ({} -> {})", broker_id_, welcome.broker));
    }
    broker_id_ = welcome.broker;
}

void Producer::handle_outcomes(const wire::OutcomesView& outcomes) {
    std::uint64_t number = outcomes.seq.value_or(0);
    for (const auto& outcome : outcomes.outcomes) {
        const std::optional<Delivery> delivery =
            outcomes.seq ? std::optional<Delivery>(Delivery{broker_life_, number++}) : std::nullopt;
        auto it = outstanding_.find(outcome.id);
        if (it == outstanding_.end()) {
            summary_.count_duplicate();
            continue;
        }
        if (stage_run_) {
            std::string id = it->first; // the next stage's jobs may rehash outstanding_
            outstanding_.erase(it);
            advance_item(id, outcome, delivery);
            continue;
        }
        JobOutcome job{it->second.index,
                       it->second.job.id,
                       outcome.ok,
                       outcome.result.value_or(std::string_view{}),
                       outcome.error.value_or(wire::Error{}),
                       outcome.causes,
                       outcome.attempts,
                       outcome.ms.value_or(0.0),
                       outcome.worker.value_or(std::string_view{}),
                       delivery,
                       outcome.queue_ms,
                       outcome.handler_ms,
                       {},
                       nullptr,
                       nullptr};
        record_outcome(job, it->second.captured);
        outstanding_.erase(it);
    }
}

void Producer::handle_rejected(const wire::Rejected& rejected) {
    if (wire::is_code(rejected.code, wire::ErrorCode::client_in_use)) {
        handle_claim_refused(rejected);
        return;
    }
    auto it = unacknowledged_.find(rejected.seq);
    if (it == unacknowledged_.end())
        return;
    spdlog::debug("broker rejected batch {} ({}: {}); resending in {} ms", rejected.seq,
                  rejected.code, rejected.message, rejected.retry_after_ms);
    if (wire::is_code(rejected.code, wire::ErrorCode::journal_full)) {
        waiting_ = "the broker's journal disk is full; resubmitting when it has room";
    } else if (wire::is_code(rejected.code, wire::ErrorCode::queue_full)) {
        waiting_ = "the broker is full (max_pending); resubmitting";
    }
    Batch batch = std::move(it->second);
    unacknowledged_.erase(it);
    batch.not_before = Clock::now() + std::chrono::milliseconds(rejected.retry_after_ms);
    rejected_.push_back(std::move(batch));
}

// Before our claim is accepted, a refusal means the previous owner (a crashed run this one
// resumes) has not been silent long enough yet: wait as told. If by then the owner has spoken
// again (the name would come free later than the broker said before), it is alive: another run
// uses this name, and waiting would never end. After our claim was accepted, a refusal means
// someone took the name over while we were silent: our outcomes now go to them, so this run
// cannot finish.
void Producer::handle_claim_refused(const wire::Rejected& rejected) {
    const auto now = Clock::now();
    if (welcomed_) {
        throw std::runtime_error(fmt::format(
            "another producer took over client name '{}' at {} while this one was silent: {}",
            options_.client, options_.endpoint, rejected.message));
    }
    const auto free_at = now + std::chrono::milliseconds(rejected.retry_after_ms);
    const auto slack = std::chrono::milliseconds(options_.heartbeat_ms / 2 + 100);
    if (owner_free_at_ && free_at > *owner_free_at_ + slack) {
        throw ClientInUseError(fmt::format(
            "client name '{}' is in use by another live producer at {}: {}; stop the other run, "
            "or give this one its own --output (or producer.client)",
            options_.client, options_.endpoint, rejected.message));
    }
    owner_free_at_ = free_at;
    waiting_ = fmt::format("client name {} is held by another producer; retrying in {} ms",
                           options_.client, rejected.retry_after_ms);
    next_hello_ = free_at;
}

// Reads the live worker count and the job types no live worker serves out of the STATUS_REPLY
// map, for the progress line.
void Producer::handle_status(const wire::StatusReply& reply) {
    try {
        msgpack::object_handle handle = msgpack::unpack(reply.status.data(), reply.status.size());
        const msgpack::object& map = handle.get();
        if (map.type != msgpack::type::MAP)
            return;
        for (std::uint32_t i = 0; i < map.via.map.size; ++i) {
            const auto& [key, value] = map.via.map.ptr[i];
            if (key.type != msgpack::type::STR) {
                continue;
            }
            const auto name = key.as<std::string_view>();
            if (name == "workers" && value.type == msgpack::type::ARRAY) {
                workers_alive_ = value.via.array.size;
            } else if (name == "unserved") {
                unserved_ = read_unserved(value);
            }
        }
    } catch (const std::exception& error) {
        spdlog::debug("unreadable STATUS_REPLY: {}", error.what());
    }
}

void Producer::request_status() {
    if (status_forbidden_) {
        return;
    }
    send(wire::Status{});
}

void Producer::send(const wire::Message& message) {
    wire::encode_into(message, frames_);
    send_frames();
}

void Producer::send_frames() {
    send_frames(frames_);
}

// A plain DEALER queues without limit (no high-water mark), so a send only has to wait when the
// socket has no pipe at all: a CURVE handshake the broker refused removes it. Then the refusal
// is reported instead of blocking for ever.
void Producer::send_frames(const wire::Frames& frames) {
    while (!socket_.send(zmq::buffer(frames.header),
                         zmq::send_flags::sndmore | zmq::send_flags::dontwait)) {
        check_key_refused();
        zmq::pollitem_t item{socket_.handle(), 0, ZMQ_POLLOUT, 0};
        (void)zmq::poll(&item, 1, std::chrono::milliseconds(10));
    }
    socket_.send(zmq::buffer(frames.body), zmq::send_flags::none);
}

} // namespace ferry::producer
