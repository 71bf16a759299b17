// The producer loop: bounded-window submission, outcome collection, de-duplication by id.
#include "ferry/producer/producer.hpp"

#include "ferry/producer/broker_status.hpp"
#include "ferry/wire/codec.hpp"

#include <cerrno>
#include <fmt/format.h>
#include <msgpack.hpp>
#include <random>
#include <spdlog/spdlog.h>
#include <stdexcept>
#include <unistd.h>
#include <utility>

namespace ferry::producer {
namespace {

using Clock = std::chrono::steady_clock;
constexpr auto status_interval = std::chrono::seconds(1);

} // namespace

std::string fresh_client_name() {
    char host[256] = {};
    ::gethostname(host, sizeof(host) - 1);
    std::random_device random;
    return fmt::format("{}:{}:{:08x}", host, ::getpid(), random());
}

Producer::Producer(zmq::context_t& context, ProducerOptions options, InputReader& input,
                   OutputWriter& output, RunSummary& summary)
    : socket_(context, zmq::socket_type::dealer), options_(std::move(options)), input_(input),
      output_(output), summary_(summary) {
    if (options_.client.empty())
        options_.client = fresh_client_name();
    socket_.set(zmq::sockopt::linger, 0);
    socket_.set(zmq::sockopt::sndhwm, 0); // the window bounds what we queue, not the HWM
    socket_.set(zmq::sockopt::rcvhwm, 0);
    socket_.connect(options_.endpoint);
}

ProducerEnd Producer::run(const std::atomic<bool>& stop,
                          const std::function<void(const ProgressSnapshot&)>& on_progress) {
    const auto started = Clock::now();
    auto next_status = started;
    last_heard_ = started;
    while (!finished()) {
        if (stop.load())
            return ProducerEnd::interrupted;
        fill_window();
        resend_due_batches();
        if (Clock::now() >= next_status) {
            request_status();
            next_status = Clock::now() + status_interval;
            double elapsed = std::chrono::duration<double>(Clock::now() - started).count();
            on_progress(
                ProgressSnapshot{done_, failed_, submitted_, workers_alive_, elapsed, unserved_});
            warn_if_broker_silent();
        }
        if (wait_readable(std::chrono::milliseconds(50)))
            receive_all();
    }
    double elapsed = std::chrono::duration<double>(Clock::now() - started).count();
    on_progress(ProgressSnapshot{done_, failed_, submitted_, workers_alive_, elapsed, unserved_});
    return ProducerEnd::finished;
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

bool Producer::finished() const {
    return input_done_ && building_.empty() && outstanding_.empty();
}

// In input order the window counts every job from the oldest unwritten one, so the reorder
// buffer of the output can never hold more than `window` records.
bool Producer::window_full() const {
    return outstanding_.size() + output_.buffered() >= options_.window;
}

void Producer::fill_window() {
    while (!input_done_ && !window_full()) {
        std::optional<InputItem> item = input_.next();
        if (!item) {
            input_done_ = true;
            break;
        }
        take_item(std::move(*item));
        if (building_.size() >= options_.submit_batch)
            flush_batch();
    }
    flush_batch();
}

void Producer::take_item(InputItem item) {
    if (auto* problem = std::get_if<InputProblem>(&item)) {
        if (!options_.skip_invalid)
            throw InputError(problem->describe());
        spdlog::warn("skipping invalid record: {}", problem->describe());
        JobOutcome outcome;
        outcome.index = problem->index;
        outcome.id = problem->id;
        outcome.error = wire::Error{"INVALID_ARGUMENT", problem->describe(), {}, {}, {}};
        record_outcome(outcome, {});
        return;
    }
    auto& record = std::get<InputRecord>(item);
    if (options_.done_ids.count(record.id) > 0) {
        output_.skip(record.index);
        summary_.count_resumed(1);
        return;
    }
    building_.push_back(record.id);
    wire::SubmitJob job{record.id,         options_.job_type,   std::move(record.payload),
                        options_.priority, options_.timeout_ms, options_.max_attempts};
    outstanding_.emplace(std::move(record.id),
                         Outstanding{record.index, std::move(record.captured), std::move(job)});
}

void Producer::flush_batch() {
    if (building_.empty())
        return;
    submitted_ += building_.size();
    send_batch(std::move(building_));
    building_.clear();
}

// Sends the jobs of `ids` that still await their outcome, as one SUBMIT.
void Producer::send_batch(std::vector<std::string> ids) {
    wire::Submit submit{options_.client, next_seq_++, {}};
    submit.jobs.reserve(ids.size());
    for (const auto& id : ids) {
        if (auto it = outstanding_.find(id); it != outstanding_.end()) {
            submit.jobs.push_back(it->second.job);
        }
    }
    if (submit.jobs.empty())
        return;
    send(submit);
    unacknowledged_.emplace(submit.seq, Batch{std::move(ids), {}});
}

// A broker that restarted knows only what its journal kept: every job without an outcome is
// sent again. Jobs it still holds are absorbed as duplicates; outcomes lost in the crash come
// back because their jobs run again (the first outcome per id wins here).
void Producer::resubmit_outstanding(const std::string& new_broker) {
    spdlog::warn("the broker restarted ({} -> {}): resubmitting {} jobs that have no outcome yet",
                 broker_id_, new_broker, outstanding_.size());
    unacknowledged_.clear();
    rejected_.clear();
    std::vector<std::string> ids;
    for (const auto& [id, job] : outstanding_) {
        ids.push_back(id);
        if (ids.size() >= options_.submit_batch)
            send_batch(std::exchange(ids, {}));
    }
    if (!ids.empty())
        send_batch(std::move(ids));
}

void Producer::warn_if_broker_silent() {
    auto now = Clock::now();
    if (outstanding_.empty() || now - last_heard_ < std::chrono::seconds(5) ||
        now < next_silence_warning_) {
        return;
    }
    next_silence_warning_ = now + std::chrono::seconds(10);
    spdlog::warn("no answer from the broker at {} for {:.0f} s; {} jobs wait for it (they are "
                 "resubmitted if it comes back restarted)",
                 options_.endpoint, std::chrono::duration<double>(now - last_heard_).count(),
                 outstanding_.size());
}

void Producer::resend_due_batches() {
    auto now = Clock::now();
    std::vector<Batch> waiting;
    for (auto& batch : rejected_) {
        if (batch.not_before <= now) {
            send_batch(std::move(batch.ids));
        } else {
            waiting.push_back(std::move(batch));
        }
    }
    rejected_ = std::move(waiting);
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
        auto decoded = wire::decode(header.to_string_view(), body.to_string_view());
        if (auto* error = std::get_if<wire::DecodeError>(&decoded)) {
            spdlog::warn("dropping a malformed message from the broker: {}: {}",
                         wire::name_of(error->kind), error->detail);
            continue;
        }
        handle(std::move(std::get<wire::Message>(decoded)));
    }
}

void Producer::handle(wire::Message message) {
    if (auto* outcomes = std::get_if<wire::Outcomes>(&message)) {
        handle_outcomes(*outcomes);
    } else if (auto* accepted = std::get_if<wire::Accepted>(&message)) {
        unacknowledged_.erase(accepted->seq);
    } else if (auto* rejected = std::get_if<wire::Rejected>(&message)) {
        handle_rejected(*rejected);
    } else if (auto* reply = std::get_if<wire::StatusReply>(&message)) {
        handle_status(*reply);
    } else if (auto* error = std::get_if<wire::ErrorReply>(&message)) {
        throw std::runtime_error(fmt::format("the broker at {} refused us: {}: {}",
                                             options_.endpoint, error->code, error->message));
    }
}

void Producer::handle_outcomes(wire::Outcomes& outcomes) {
    for (auto& outcome : outcomes.outcomes) {
        auto it = outstanding_.find(outcome.id);
        if (it == outstanding_.end()) {
            summary_.count_duplicate();
            continue;
        }
        JobOutcome job{it->second.index,
                       std::move(outcome.id),
                       outcome.ok,
                       outcome.result.value_or(std::string{}),
                       outcome.error.value_or(wire::Error{}),
                       std::move(outcome.causes),
                       outcome.attempts,
                       outcome.ms.value_or(0.0),
                       outcome.worker.value_or(std::string{})};
        record_outcome(job, it->second.captured);
        outstanding_.erase(it);
    }
}

// Every job's one outcome goes through here: output record, summary, progress counts.
void Producer::record_outcome(const JobOutcome& outcome, const std::vector<FieldValue>& expected) {
    output_.write(outcome);
    summary_.record(outcome, expected);
    ++done_;
    if (!outcome.ok)
        ++failed_;
}

void Producer::handle_rejected(const wire::Rejected& rejected) {
    auto it = unacknowledged_.find(rejected.seq);
    if (it == unacknowledged_.end())
        return;
    spdlog::debug("broker rejected batch {} ({}: {}); resending in {} ms", rejected.seq,
                  rejected.code, rejected.message, rejected.retry_after_ms);
    Batch batch = std::move(it->second);
    unacknowledged_.erase(it);
    batch.not_before = Clock::now() + std::chrono::milliseconds(rejected.retry_after_ms);
    rejected_.push_back(std::move(batch));
}

// Reads the broker's life id and live worker count out of the STATUS_REPLY map: a changed id
// means the broker restarted, and the live count feeds the progress line.
void Producer::handle_status(const wire::StatusReply& reply) {
    std::string broker;
    try {
        msgpack::object_handle handle = msgpack::unpack(reply.status.data(), reply.status.size());
        const msgpack::object& map = handle.get();
        if (map.type != msgpack::type::MAP)
            return;
        for (std::uint32_t i = 0; i < map.via.map.size; ++i) {
            const auto& [key, value] = map.via.map.ptr[i];
            if (key.type != msgpack::type::STR)
                continue;
            auto name = key.as<std::string_view>();
            if (name == "workers" && value.type == msgpack::type::ARRAY) {
                workers_alive_ = value.via.array.size;
            } else if (name == "broker" && value.type == msgpack::type::STR) {
                broker = value.as<std::string>();
            } else if (name == "unserved") {
                unserved_ = read_unserved(value);
            }
        }
    } catch (const std::exception& error) {
        spdlog::debug("unreadable STATUS_REPLY: {}", error.what());
        return;
    }
    if (!broker_id_.empty() && !broker.empty() && broker != broker_id_)
        resubmit_outstanding(broker);
    if (!broker.empty())
        broker_id_ = broker;
}

void Producer::request_status() {
    send(wire::Status{});
}

void Producer::send(const wire::Message& message) {
    wire::Frames frames = wire::encode(message);
    socket_.send(zmq::buffer(frames.header), zmq::send_flags::sndmore);
    socket_.send(zmq::buffer(frames.body), zmq::send_flags::none);
}

} // namespace ferry::producer
