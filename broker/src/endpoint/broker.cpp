// The broker's poll loop: sockets, timers, heartbeats, shutdown, and sending without drops.
#include "ferry/broker/broker.hpp"

#include <random>
#include <spdlog/spdlog.h>

namespace ferry::broker {
namespace {

constexpr std::size_t drain_limit = 4096; // messages read per socket per pass
constexpr int idle_poll_ms = 100;         // longest sleep (bounds stop-request latency)

std::string make_broker_id() {
    std::random_device device;
    std::mt19937_64 engine((std::uint64_t{device()} << 32) ^ device() ^
                           static_cast<std::uint64_t>(Clock::now().time_since_epoch().count()));
    static constexpr char digits[] = "0123456789abcdef";
    std::string id = "broker-";
    for (int i = 0; i < 12; ++i) {
        id.push_back(digits[engine() % 16]);
    }
    return id;
}

RouterSocket bind_router(zmq::context_t& context, const std::string& endpoint, const char* role,
                         const BrokerSecurity& security, const char* zap_domain) {
    try {
        return RouterSocket(context, endpoint, CurveServer{security.secret_key, zap_domain});
    } catch (const zmq::error_t& error) {
        throw BindError(std::string("cannot bind the ") + role + " endpoint '" + endpoint +
                        "': " + error.what());
    }
}

} // namespace

Broker::Broker(BrokerConfig config)
    : config_(std::move(config)), id_(make_broker_id()), context_(1),
      zap_(config_.security.curve()
               ? std::make_unique<security::ZapHandler>(context_, config_.security.keys)
               : nullptr),
      producers_(bind_router(context_, config_.producers_endpoint, "producers", config_.security,
                             security::producers_domain)),
      workers_(bind_router(context_, config_.workers_endpoint, "workers", config_.security,
                           security::workers_domain)),
      endpoints_{producers_.endpoint(), workers_.endpoint()},
      scheduler_(config_, *this, std::random_device{}()), started_at_(Clock::now()),
      now_(started_at_), coverage_(started_at_) {
    if (!config_.internal_producers_endpoint.empty()) {
        try {
            producers_.also_bind(config_.internal_producers_endpoint);
        } catch (const zmq::error_t& error) {
            throw BindError("cannot bind the internal producers endpoint '" +
                            config_.internal_producers_endpoint + "': " + error.what());
        }
    }
    open_journal();
    refresh_keys();
    spdlog::info("broker {} bound producers={} workers={}{}", id_, endpoints_.producers,
                 endpoints_.workers,
                 config_.security.curve() ? " with CURVE, public key " + config_.security.public_key
                                          : std::string());
}

Broker::~Broker() = default;

// The journal follows the scheduler's jobs from here on; replay restores the previous life's
// before any socket is read.
void Broker::open_journal() {
    if (config_.journal.path.empty()) {
        return;
    }
    journal_ = std::make_unique<Journal>(config_.journal,
                                         [this](const auto& fn) { scheduler_.for_each_held(fn); });
    scheduler_.observe(journal_.get());
    journal_->replay(
        [this](RestoredJob&& job) { return scheduler_.restore(std::move(job), now_); });
}

// One pass: wait for input or the next timer, read everything waiting (results first, as they
// free credit), then run timers, dispatch, heartbeats and deliveries once for the whole pass.
void Broker::run() {
    while (true) {
        if (stop_requested_.load(std::memory_order_relaxed) && !shutting_down_) {
            begin_shutdown();
        }
        if (shutting_down_ && shutdown_finished()) {
            break;
        }
        poll_once();
    }
    finish_shutdown();
}

void Broker::poll_once() {
    zmq_pollitem_t items[] = {{workers_.handle(), 0, ZMQ_POLLIN, 0},
                              {producers_.handle(), 0, ZMQ_POLLIN, 0}};
    if (zmq_poll(items, 2, poll_timeout_ms()) < 0 && zmq_errno() != EINTR) {
        throw zmq::error_t();
    }
    now_ = Clock::now();
    refresh_keys();
    if ((items[0].revents & ZMQ_POLLIN) != 0) {
        drain(workers_, true);
    }
    if ((items[1].revents & ZMQ_POLLIN) != 0) {
        drain(producers_, false);
    }
    now_ = Clock::now();
    timers_and_dispatch();
    if (journal_) {
        journal_->commit();
    }
    send_accepted_replies();
    flush_outboxes();
    sample_rate();
}

void Broker::drain(RouterSocket& socket, bool from_workers) {
    for (std::size_t i = 0; i < drain_limit; ++i) {
        auto incoming = socket.receive();
        if (!incoming) {
            return;
        }
        on_incoming(socket, *incoming, from_workers);
    }
}

// SUBMIT and RESULTS, nearly all the traffic, are read as views into their frames (the scheduler
// copies what it keeps); the rest is decoded into owned messages.
void Broker::on_incoming(RouterSocket& socket, const Incoming& incoming, bool from_workers) {
    if (incoming.frames != 2) {
        on_bad_message(socket, incoming, wire::DecodeErrorKind::bad_frames,
                       std::to_string(incoming.frames) + " frames after the routing id");
        return;
    }
    const std::string_view header(incoming.header.data<char>(), incoming.header.size());
    const std::string_view body(incoming.body.data<char>(), incoming.body.size());
    const auto command = wire::decode_header(header);
    if (const auto* error = std::get_if<wire::DecodeError>(&command)) {
        on_bad_message(socket, incoming, error->kind, error->detail);
        return;
    }
    if (zap_ && !permitted(socket, incoming, std::get<wire::Command>(command), from_workers)) {
        return;
    }
    if (on_hot_message(socket, incoming, std::get<wire::Command>(command), body, from_workers)) {
        return;
    }
    auto decoded = wire::decode(header, body);
    if (auto* error = std::get_if<wire::DecodeError>(&decoded)) {
        on_bad_message(socket, incoming, error->kind, error->detail);
        return;
    }
    auto& message = std::get<wire::Message>(decoded);
    if (from_workers) {
        on_worker_message(incoming, std::move(message));
    } else {
        on_producer_message(incoming, std::move(message));
    }
}

// RESULTS from workers, SUBMIT and ACK from producers: read as views into the frame. Returns
// false for any other command.
bool Broker::on_hot_message(RouterSocket& socket, const Incoming& incoming, wire::Command command,
                            std::string_view body, bool from_workers) {
    std::optional<wire::DecodeError> problem;
    if (from_workers && command == wire::Command::results) {
        if (!(problem = wire::decode_view(body, results_view_))) {
            on_results(incoming, results_view_);
        }
    } else if (!from_workers && command == wire::Command::submit) {
        if (!(problem = wire::decode_view(body, submit_view_))) {
            on_submit(incoming, submit_view_);
        }
    } else if (!from_workers && command == wire::Command::ack) {
        if (!(problem = wire::decode_view(body, ack_view_))) {
            on_ack(incoming, ack_view_);
        }
    } else {
        return false;
    }
    if (problem) {
        on_bad_message(socket, incoming, problem->kind, problem->detail);
    }
    return true;
}

void Broker::timers_and_dispatch() {
    for (const auto& name : scheduler_.tick(now_)) {
        spdlog::warn("worker {} went silent: purged, its jobs re-dispatched", name);
    }
    scheduler_.dispatch(now_);
    remove_unreachable_workers();
    send_heartbeats();
    remove_unreachable_workers();
    expire_clients();
    warn_if_insecure();
}

void Broker::send_heartbeats() {
    for (const auto id : scheduler_.workers().heartbeat_due(now_)) {
        WorkerRecord* worker = scheduler_.workers().by_id(id);
        message_scratch_ = wire::Heartbeat{};
        (void)send_to_worker(*worker, message_scratch_);
    }
}

// Sleep until the next timer, input, or at most idle_poll_ms; briefly when an outbox is waiting
// for a full pipe to drain.
int Broker::poll_timeout_ms() const {
    if (outbox_blocked_) {
        return 1;
    }
    long long timeout = idle_poll_ms;
    if (const auto next = scheduler_.next_wakeup(now_)) {
        timeout = std::min(timeout, std::max(0LL, millis_between(Clock::now(), *next) + 1));
    }
    if (const auto sync = journal_ ? journal_->next_sync() : std::nullopt) {
        timeout = std::min(timeout, std::max(0LL, millis_between(Clock::now(), *sync) + 1));
    }
    return static_cast<int>(timeout);
}

void Broker::begin_shutdown() {
    shutting_down_ = true;
    shutdown_deadline_ = Clock::now() + std::chrono::seconds(config_.shutdown_grace_s);
    scheduler_.set_draining(true);
    spdlog::info("broker {} shutting down: {} jobs held, grace {} s", id_, scheduler_.held(),
                 config_.shutdown_grace_s);
}

// Answered jobs need not wait: their outcomes are sent, and with the journal on they are kept on
// disk for their producers' ACK.
bool Broker::shutdown_finished() const {
    return (scheduler_.active() == 0 && outbox_total_ == 0) || Clock::now() >= shutdown_deadline_;
}

// Jobs still held after the grace period get a failed outcome (UNAVAILABLE), so no producer is
// left waiting in silence; workers are told to go. Linger lets these last messages leave.
void Broker::finish_shutdown() {
    now_ = Clock::now();
    if (journal_ && scheduler_.held() > 0) {
        spdlog::info("shutdown: {} unfinished jobs and {} unacknowledged outcomes stay in the "
                     "journal for the next start",
                     scheduler_.active(), scheduler_.kept());
    } else if (scheduler_.active() > 0) {
        spdlog::warn("shutdown grace over: failing {} unfinished jobs", scheduler_.active());
        scheduler_.fail_all(wire::ErrorCode::unavailable,
                            "the broker shut down before the job finished", now_);
    }
    if (journal_) {
        journal_->commit();
        journal_->sync();
    }
    send_accepted_replies();
    flush_outboxes();
    std::vector<std::uint32_t> ids;
    for (const auto& [id, worker] : scheduler_.workers().all()) {
        ids.push_back(id);
    }
    for (const auto id : ids) {
        message_scratch_ = wire::Disconnect{std::string("broker shutting down"), std::nullopt};
        (void)send_to_worker(*scheduler_.workers().by_id(id), message_scratch_);
    }
    producers_.set_linger(1000);
    workers_.set_linger(1000);
    spdlog::info("broker {} stopped: done={} failed={}", id_, stats().done, stats().failed);
}

// Counted always, logged within may_log_peer_problem's budget.
void Broker::on_bad_message(RouterSocket& socket, const Incoming& incoming,
                            wire::DecodeErrorKind kind, const std::string& detail) {
    ++counters_.malformed_messages;
    if (may_log_peer_problem()) {
        spdlog::warn("dropped a bad message on the {} endpoint: {}: {}",
                     &socket == &workers_ ? "workers" : "producers", wire::name_of(kind), detail);
    }
    if (kind == wire::DecodeErrorKind::bad_frames || kind == wire::DecodeErrorKind::bad_signature) {
        return; // not recognisably ours: no reply
    }
    const bool version = kind == wire::DecodeErrorKind::version_mismatch;
    message_scratch_ = wire::ErrorReply{
        wire::code_name(version ? wire::ErrorCode::version_mismatch
                                : wire::ErrorCode::malformed_message),
        version ? fmt::format("this broker speaks FJP version {} only", wire::version)
                : std::string(wire::name_of(kind)) + ": " + detail,
        std::nullopt};
    (void)send(socket, incoming.routing_view(), message_scratch_);
}

// Bad and refused messages are logged at most 10 a second, so a flood cannot flood the log.
bool Broker::may_log_peer_problem() {
    if (now_ - last_bad_log_ >= std::chrono::seconds(1)) {
        if (bad_logged_ > 10) {
            spdlog::warn("{} more bad or refused messages were not logged", bad_logged_ - 10);
        }
        last_bad_log_ = now_;
        bad_logged_ = 0;
    }
    return ++bad_logged_ <= 10;
}

SendStatus Broker::send(RouterSocket& socket, std::string_view routing_id, wire::Message& message) {
    wire::encode_into(message, frames_scratch_);
    return socket.send(routing_id, frames_scratch_);
}

SendStatus Broker::send_to_worker(WorkerRecord& worker, wire::Message& message) {
    const SendStatus status = send(workers_, worker.routing_id, message);
    if (status == SendStatus::sent) {
        worker.last_sent = now_;
    } else if (status == SendStatus::unroutable) {
        unreachable_workers_.push_back(worker.id);
    }
    return status;
}

// The JOBS message borrows the scheduler's vector (moved in and back), so no job is copied.
JobsSent Broker::send_jobs(WorkerRecord& worker, wire::Jobs& jobs) {
    message_scratch_ = std::move(jobs);
    const SendStatus status = send(workers_, worker.routing_id, message_scratch_);
    jobs = std::move(std::get<wire::Jobs>(message_scratch_));
    if (status == SendStatus::sent) {
        worker.last_sent = now_;
        return JobsSent::sent;
    }
    return status == SendStatus::would_block ? JobsSent::busy : JobsSent::gone;
}

void Broker::send_cancel(WorkerRecord& worker, wire::Cancel&& cancel) {
    message_scratch_ = std::move(cancel);
    (void)send_to_worker(worker, message_scratch_);
}

// Once a second: the completion count for the rate, and which job types live workers serve.
void Broker::sample_rate() {
    if (!done_samples_.empty() && now_ - done_samples_.back().first < std::chrono::seconds(1)) {
        return;
    }
    coverage_.observe(scheduler_.workers(), now_);
    done_samples_.emplace_back(now_, scheduler_.stats().done);
    while (done_samples_.size() > 11) {
        done_samples_.pop_front();
    }
}

} // namespace ferry::broker

namespace ferry::broker {

// Completions per second over the last ten seconds of samples (one sample per second).
double Broker::done_per_s() const {
    if (done_samples_.size() < 2) {
        return 0.0;
    }
    const auto& [first_time, first_done] = done_samples_.front();
    const auto& [last_time, last_done] = done_samples_.back();
    const double seconds = std::chrono::duration<double>(last_time - first_time).count();
    return seconds <= 0 ? 0.0 : static_cast<double>(last_done - first_done) / seconds;
}

} // namespace ferry::broker
