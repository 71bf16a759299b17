// Native fake producers and workers over real ZeroMQ sockets, and a broker running in a thread.
#pragma once

#include "ferry/broker/broker.hpp"
#include "ferry/wire/codec.hpp"

#include <chrono>
#include <functional>
#include <map>
#include <msgpack.hpp>
#include <optional>
#include <spdlog/spdlog.h>
#include <string>
#include <thread>
#include <vector>
#include <zmq.hpp>
#include <zmq_addon.hpp>

namespace ferry::broker::testing {

namespace wire = ferry::wire;
using std::chrono::milliseconds;
using SteadyTime = std::chrono::steady_clock::time_point;

// A config bound to free loopback ports, with fast heartbeats for tests.
inline BrokerConfig test_config() {
    spdlog::set_level(spdlog::level::err);
    BrokerConfig config;
    config.producers_endpoint = "tcp://127.0.0.1:*";
    config.workers_endpoint = "tcp://127.0.0.1:*";
    config.heartbeat_ms = 50;
    config.liveness = 3;
    config.shutdown_grace_s = 2;
    config.default_type.backoff = {5, 20, 2.0, 0.0};
    return config;
}

// A broker on its own thread, stopped and joined on destruction.
class RunningBroker {
  public:
    explicit RunningBroker(BrokerConfig config = test_config(),
                           std::shared_ptr<AdminService> admin = nullptr)
        : broker_(std::move(config)) {
        broker_.set_admin_service(std::move(admin));
        thread_ = std::thread([this] { broker_.run(); });
    }
    ~RunningBroker() { stop(); }
    void stop() {
        if (thread_.joinable()) {
            broker_.request_stop();
            thread_.join();
        }
    }
    [[nodiscard]] const BoundEndpoints& endpoints() const { return broker_.endpoints(); }
    [[nodiscard]] Broker& broker() { return broker_; }

  private:
    Broker broker_;      // the unit under test
    std::thread thread_; // runs its loop
};

// One DEALER connection speaking FJP/1.
class Peer {
  public:
    Peer(zmq::context_t& context, const std::string& endpoint)
        : socket_(context, zmq::socket_type::dealer) {
        socket_.set(zmq::sockopt::linger, 0);
        socket_.connect(endpoint);
    }
    void send(const wire::Message& message) {
        const auto frames = wire::encode(message);
        send_frames({frames.header, frames.body});
    }
    void send_frames(const std::vector<std::string>& frames) {
        for (std::size_t i = 0; i < frames.size(); ++i) {
            const auto flags =
                i + 1 < frames.size() ? zmq::send_flags::sndmore : zmq::send_flags::none;
            (void)socket_.send(zmq::buffer(frames[i]), flags);
        }
    }
    // The next decodable message within `timeout`; empty when none came.
    std::optional<wire::Message> receive(milliseconds timeout) {
        zmq::pollitem_t item{socket_.handle(), 0, ZMQ_POLLIN, 0};
        if (zmq::poll(&item, 1, timeout) == 0) {
            return std::nullopt;
        }
        std::vector<zmq::message_t> frames;
        (void)zmq::recv_multipart(socket_, std::back_inserter(frames));
        if (frames.size() != 2) {
            return std::nullopt;
        }
        auto decoded = wire::decode(frames[0].to_string_view(), frames[1].to_string_view());
        if (auto* message = std::get_if<wire::Message>(&decoded)) {
            return std::move(*message);
        }
        return std::nullopt;
    }
    // Receives until a message of type T arrives or the deadline passes.
    template <typename T> std::optional<T> expect(milliseconds timeout = milliseconds(3000)) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        while (std::chrono::steady_clock::now() < deadline) {
            auto left = std::chrono::duration_cast<milliseconds>(deadline -
                                                                 std::chrono::steady_clock::now());
            auto message = receive(std::max(left, milliseconds(1)));
            if (message && std::holds_alternative<T>(*message)) {
                return std::get<T>(std::move(*message));
            }
        }
        return std::nullopt;
    }
    zmq::socket_t& socket() { return socket_; }

  private:
    zmq::socket_t socket_; // DEALER
};

// A worker that answers jobs by rule, heartbeating while it waits.
class FakeWorker {
  public:
    // Decides a job's result; empty means "do not answer it".
    using Rule = std::function<std::optional<wire::Result>(const wire::Job&)>;

    FakeWorker(zmq::context_t& context, const std::string& endpoint, std::string name,
               std::uint64_t credit, std::uint64_t max_batch = 64, std::string type = "echo")
        : peer_(context, endpoint), name_(std::move(name)) {
        peer_.send(wire::Ready{
            name_, "localhost", 1, {{std::move(type), max_batch, std::nullopt}}, credit, 50});
        welcomed_ = peer_.expect<wire::Welcome>().has_value();
    }
    static std::optional<wire::Result> echo(const wire::Job& job) {
        return wire::Result{job.id, true, job.payload, std::nullopt, std::nullopt};
    }
    // Serves for `duration` (or until `done` holds), answering by `rule`.
    void serve(
        milliseconds duration, const Rule& rule = echo,
        const std::function<bool()>& done = [] { return false; }) {
        const auto deadline = std::chrono::steady_clock::now() + duration;
        while (std::chrono::steady_clock::now() < deadline && !done()) {
            pump(rule);
        }
    }
    // One step: heartbeat if due, wait briefly for a message, answer any jobs.
    void pump(const Rule& rule) {
        const auto now = std::chrono::steady_clock::now();
        if (now - last_beat_ >= milliseconds(40)) {
            peer_.send(wire::Heartbeat{});
            last_beat_ = now;
        }
        auto message = peer_.receive(milliseconds(10));
        if (!message) {
            return;
        }
        if (auto* jobs = std::get_if<wire::Jobs>(&*message)) {
            on_jobs(*jobs, rule);
        } else if (auto* cancel = std::get_if<wire::Cancel>(&*message)) {
            cancels.push_back(*cancel);
        } else if (std::holds_alternative<wire::Disconnect>(*message)) {
            disconnected = true;
        }
    }
    void send(const wire::Message& message) { peer_.send(message); }
    [[nodiscard]] bool welcomed() const { return welcomed_; }

    std::vector<wire::Job> received;      // every job received
    std::vector<std::size_t> batch_sizes; // size of each JOBS message
    std::vector<wire::Cancel> cancels;    // CANCELs received
    std::size_t max_unanswered = 0;       // most jobs held unanswered at once
    std::size_t unanswered = 0;           // jobs held now
    bool disconnected = false;            // got DISCONNECT

  private:
    void on_jobs(const wire::Jobs& jobs, const Rule& rule) {
        batch_sizes.push_back(jobs.jobs.size());
        unanswered += jobs.jobs.size();
        max_unanswered = std::max(max_unanswered, unanswered);
        wire::Results results;
        for (const auto& job : jobs.jobs) {
            received.push_back(job);
            if (auto result = rule(job)) {
                results.results.push_back(std::move(*result));
            }
        }
        unanswered -= results.results.size();
        if (!results.results.empty()) {
            peer_.send(results);
        }
    }

    Peer peer_;              // its connection
    std::string name_;       // READY name
    bool welcomed_ = false;  // WELCOME arrived
    SteadyTime last_beat_{}; // last heartbeat sent
};

// A producer that submits jobs and collects outcomes by id, acknowledging each outcome as it
// arrives (as if it had written it) unless told not to.
class FakeProducer {
  public:
    FakeProducer(zmq::context_t& context, const std::string& endpoint, std::string client = "p1",
                 std::string session = "session-1")
        : peer_(context, endpoint), client_(std::move(client)), session_(std::move(session)) {}

    // Submits jobs `prefix0..prefixN-1` of a type; returns the broker's answer.
    std::optional<wire::Message> submit(const std::string& prefix, std::size_t count,
                                        const std::string& type = "echo") {
        wire::Submit submit{client_, session_, ++seq_, {}};
        for (std::size_t i = 0; i < count; ++i) {
            submit.jobs.push_back({prefix + std::to_string(i), type, "\xa2hi", std::nullopt,
                                   std::nullopt, std::nullopt});
        }
        peer_.send(submit);
        return wait_answer();
    }
    std::optional<wire::Message> send_submit(const wire::Submit& submit) {
        peer_.send(submit);
        return wait_answer();
    }
    // Collects outcomes until `count` distinct ids have one, or the deadline passes.
    void collect(std::size_t count, milliseconds timeout = milliseconds(5000)) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        while (outcomes.size() < count && std::chrono::steady_clock::now() < deadline) {
            take(peer_.receive(milliseconds(10)));
        }
    }
    // HELLO: claims the client name; returns the broker's answer (WELCOME or REJECTED).
    std::optional<wire::Message> hello(std::uint64_t heartbeat_ms = 1000) {
        peer_.send(wire::Hello{client_, session_, heartbeat_ms});
        return wait_for<wire::Welcome>();
    }
    // ACKs the outcomes of these ids, by the delivery numbers they came with.
    void ack(const std::vector<std::string>& ids) {
        wire::Ack ack{client_, session_, {}};
        for (const auto& id : ids) {
            if (const auto found = deliveries.find(id); found != deliveries.end()) {
                ack.ranges.insert(ack.ranges.end(), {found->second, 1});
            }
        }
        peer_.send(ack);
    }
    Peer& peer() { return peer_; }
    [[nodiscard]] const std::string& client() const { return client_; }
    [[nodiscard]] const std::string& session() const { return session_; }

    std::map<std::string, wire::Outcome> outcomes;   // by job id
    std::map<std::string, std::uint64_t> deliveries; // id -> delivery number (the latest)
    std::size_t outcome_messages = 0;                // outcomes received, duplicates included
    bool auto_ack = true;                            // ACK each outcome on arrival

  private:
    std::optional<wire::Message> wait_answer() { return wait_for<wire::Accepted>(); }
    // The next `Answer` or REJECTED within 3 s, taking outcomes that arrive meanwhile.
    template <class Answer> std::optional<wire::Message> wait_for() {
        const auto deadline = std::chrono::steady_clock::now() + milliseconds(3000);
        while (std::chrono::steady_clock::now() < deadline) {
            auto message = peer_.receive(milliseconds(10));
            if (message && (std::holds_alternative<Answer>(*message) ||
                            std::holds_alternative<wire::Rejected>(*message))) {
                return message;
            }
            take(std::move(message));
        }
        return std::nullopt;
    }
    void take(std::optional<wire::Message> message) {
        if (message && std::holds_alternative<wire::Outcomes>(*message)) {
            auto& received = std::get<wire::Outcomes>(*message);
            std::vector<std::string> ids;
            std::uint64_t number = received.seq.value_or(0);
            for (auto& outcome : received.outcomes) {
                ++outcome_messages;
                ids.push_back(outcome.id);
                deliveries[outcome.id] = number++;
                outcomes.emplace(outcome.id, std::move(outcome));
            }
            if (auto_ack) {
                ack(ids);
            }
        }
    }

    Peer peer_;             // its connection
    std::string client_;    // stable client name
    std::string session_;   // its session (one producer process)
    std::uint64_t seq_ = 0; // last batch number
};

// One unsigned counter (or flag, as 0/1) of the broker's STATUS map (asked on `endpoint`); empty
// when no reply.
inline std::optional<std::uint64_t>
status_counter(zmq::context_t& context, const std::string& endpoint, std::string_view name) {
    Peer admin(context, endpoint);
    admin.send(wire::Status{});
    auto reply = admin.expect<wire::StatusReply>();
    if (!reply) {
        return std::nullopt;
    }
    const auto handle = msgpack::unpack(reply->status.data(), reply->status.size());
    const msgpack::object& map = handle.get();
    for (std::uint32_t i = 0; i < map.via.map.size; ++i) {
        const msgpack::object& value = map.via.map.ptr[i].val;
        if (map.via.map.ptr[i].key.as<std::string_view>() == name) {
            return value.type == msgpack::type::BOOLEAN ? std::uint64_t{value.via.boolean}
                                                        : value.as<std::uint64_t>();
        }
    }
    return std::nullopt;
}

// Waits until a STATUS counter reaches `value` (an event the broker reports), or the deadline.
inline bool wait_for_counter(zmq::context_t& context, const std::string& endpoint,
                             std::string_view name, std::uint64_t value,
                             milliseconds timeout = milliseconds(5000)) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (status_counter(context, endpoint, name) == value) {
            return true;
        }
        std::this_thread::sleep_for(milliseconds(5));
    }
    return false;
}

} // namespace ferry::broker::testing
