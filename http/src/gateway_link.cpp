// The gateway's producer session: SUBMITs out, ACCEPTED/REJECTED back to the waiting handler,
// OUTCOMES into the store, ACKs for what the store lets go.
#include "ferry/http/gateway_link.hpp"

#include "ferry/http/outcome_json.hpp"
#include "ferry/producer/msgpack_json.hpp"
#include "ferry/wire/codec.hpp"

#include <algorithm>
#include <cstring>
#include <deque>
#include <map>
#include <mutex>
#include <random>
#include <simdjson.h>
#include <spdlog/spdlog.h>
#include <sys/eventfd.h>
#include <thread>
#include <unistd.h>

namespace ferry::http {
namespace {

constexpr std::uint64_t heartbeat_ms = 1000;             // HELLO interval: the claim's heartbeat
constexpr auto sweep_interval = std::chrono::seconds(1); // retention checks

std::string random_session() {
    std::random_device device;
    std::mt19937_64 engine((static_cast<std::uint64_t>(device()) << 32) ^ device());
    return fmt::format("{:016x}", engine());
}

// Sorted delivery numbers as ACK ranges (first, count).
std::vector<std::uint64_t> as_ranges(std::vector<std::uint64_t> numbers) {
    std::sort(numbers.begin(), numbers.end());
    std::vector<std::uint64_t> ranges;
    for (const std::uint64_t number : numbers) {
        if (!ranges.empty() && ranges[ranges.size() - 2] + ranges.back() == number) {
            ++ranges.back();
        } else if (ranges.empty() || ranges[ranges.size() - 2] + ranges.back() < number) {
            ranges.push_back(number);
            ranges.push_back(1);
        }
    }
    return ranges;
}

} // namespace

struct GatewayLink::State {
    struct Request {
        std::vector<wire::SubmitJob> jobs;
        std::promise<SubmitAnswer> answer;
    };

    State(zmq::context_t& context, std::string endpoint_in, const HttpConfig& config_in,
          JobStore& store_in, std::atomic<bool>& ready_in)
        : config(config_in), store(store_in), ready(ready_in), endpoint(std::move(endpoint_in)),
          socket(context, zmq::socket_type::dealer), doorbell(eventfd(0, EFD_NONBLOCK)),
          session(random_session()) {
        if (doorbell < 0) {
            throw std::runtime_error("eventfd failed: " + std::string(std::strerror(errno)));
        }
        socket.set(zmq::sockopt::linger, 0);
        socket.set(zmq::sockopt::sndhwm, 0);
        socket.set(zmq::sockopt::rcvhwm, 0);
        socket.connect(this->endpoint);
    }
    ~State() { ::close(doorbell); }

    void ring() const {
        const std::uint64_t one = 1;
        (void)::write(doorbell, &one, sizeof one);
    }

    void run();
    void send(const wire::Message& message) {
        wire::encode_into(message, frames);
        (void)socket.send(zmq::buffer(frames.header), zmq::send_flags::sndmore);
        (void)socket.send(zmq::buffer(frames.body), zmq::send_flags::none);
    }
    void send_hello() { send(wire::Hello{config.client, session, heartbeat_ms}); }
    void send_queued();
    void receive_all();
    void on_message(wire::Message&& message);
    void on_outcomes(const wire::OutcomesView& outcomes);
    void on_adopted(const wire::AdminReply& reply);
    void send_acks();
    void fail_all(const std::string& why);

    const HttpConfig& config;
    JobStore& store;
    std::atomic<bool>& ready;
    std::string endpoint;
    zmq::socket_t socket;
    int doorbell;
    std::string session;
    wire::Frames frames;
    wire::OutcomesView outcomes_view;

    std::mutex mutex;          // guards queue and stopping
    std::deque<Request> queue; // submissions not yet sent
    bool stopping = false;
    std::map<std::uint64_t, std::promise<SubmitAnswer>> waiting; // by SUBMIT seq
    std::uint64_t next_seq = 1;
    bool welcomed = false;
    std::thread thread;
};

void GatewayLink::State::run() {
    send_hello();
    auto next_hello = SteadyClock::now() + std::chrono::milliseconds(heartbeat_ms);
    auto next_sweep = SteadyClock::now() + sweep_interval;
    for (;;) {
        {
            const std::lock_guard lock(mutex);
            if (stopping) {
                break;
            }
        }
        zmq::pollitem_t items[] = {{socket.handle(), 0, ZMQ_POLLIN, 0},
                                   {nullptr, doorbell, ZMQ_POLLIN, 0}};
        const auto now = SteadyClock::now();
        const auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(
            std::min(next_hello, next_sweep) - now);
        try {
            zmq::poll(items, 2, std::max(wait, std::chrono::milliseconds(0)));
        } catch (const zmq::error_t& error) {
            if (error.num() == ETERM) {
                break;
            }
            if (error.num() != EINTR) {
                throw;
            }
        }
        if ((items[1].revents & ZMQ_POLLIN) != 0) {
            std::uint64_t rings = 0;
            (void)::read(doorbell, &rings, sizeof rings);
        }
        send_queued();
        receive_all();
        send_acks();
        const auto after = SteadyClock::now();
        if (after >= next_hello) {
            send_hello();
            next_hello = after + std::chrono::milliseconds(heartbeat_ms);
        }
        if (after >= next_sweep) {
            (void)store.sweep(after);
            send_acks();
            next_sweep = after + sweep_interval;
        }
    }
    fail_all("the HTTP gateway is stopping");
    try { // leave cleanly: the name is free at once, and the broker keeps what was not fetched
        send(wire::Disconnect{std::string("the HTTP server stopped"), false});
    } catch (const zmq::error_t&) {
    }
}

void GatewayLink::State::send_queued() {
    std::deque<Request> taken;
    {
        const std::lock_guard lock(mutex);
        taken.swap(queue);
    }
    for (Request& request : taken) {
        const std::uint64_t seq = next_seq++;
        send(wire::Submit{config.client, session, seq, std::move(request.jobs)});
        waiting.emplace(seq, std::move(request.answer));
    }
}

void GatewayLink::State::receive_all() {
    zmq::message_t header;
    zmq::message_t body;
    while (socket.recv(header, zmq::recv_flags::dontwait)) {
        if (!header.more()) {
            spdlog::warn("http gateway: dropping a one-frame message from the broker");
            continue;
        }
        (void)socket.recv(body, zmq::recv_flags::none);
        while (body.more()) {
            (void)socket.recv(body, zmq::recv_flags::none);
        }
        const auto command = wire::decode_header(header.to_string_view());
        if (const auto* known = std::get_if<wire::Command>(&command);
            known != nullptr && *known == wire::Command::outcomes) {
            if (auto error = wire::decode_view(body.to_string_view(), outcomes_view)) {
                spdlog::warn("http gateway: dropping malformed OUTCOMES: {}", error->detail);
            } else {
                on_outcomes(outcomes_view);
            }
            continue;
        }
        auto decoded = wire::decode(header.to_string_view(), body.to_string_view());
        if (auto* error = std::get_if<wire::DecodeError>(&decoded)) {
            spdlog::warn("http gateway: dropping a malformed message from the broker: {}",
                         error->detail);
            continue;
        }
        on_message(std::move(std::get<wire::Message>(decoded)));
    }
}

void GatewayLink::State::on_message(wire::Message&& message) {
    if (auto* accepted = std::get_if<wire::Accepted>(&message)) {
        const auto found = waiting.find(accepted->seq);
        if (found != waiting.end()) {
            found->second.set_value(SubmitAnswer{true, accepted->duplicates, "", "", 0});
            waiting.erase(found);
        }
    } else if (auto* rejected = std::get_if<wire::Rejected>(&message)) {
        const auto found = waiting.find(rejected->seq);
        if (found != waiting.end()) {
            found->second.set_value(SubmitAnswer{false, 0, rejected->code, rejected->message,
                                                 rejected->retry_after_ms});
            waiting.erase(found);
        } else if (rejected->seq == 0) {
            spdlog::error("http gateway: the broker refused client name '{}': {}", config.client,
                          rejected->message);
        }
    } else if (std::holds_alternative<wire::Welcome>(message)) {
        if (!welcomed) {
            welcomed = true;
            std::string args = "{\"client\":";
            producer::append_json_string(config.client, args);
            args += ",\"session\":";
            producer::append_json_string(session, args);
            args += '}';
            send(wire::Admin{"adopt", args});
        }
    } else if (auto* reply = std::get_if<wire::AdminReply>(&message)) {
        on_adopted(*reply);
    }
}

// The broker re-pointed to this session every job it held for the name (jobs submitted by this
// process's previous life, restored from the journal): their ids are pending here from now on,
// and the outcomes it kept arrive as OUTCOMES.
void GatewayLink::State::on_adopted(const wire::AdminReply& reply) {
    if (!reply.ok) {
        spdlog::warn("http gateway: the broker did not hand over earlier jobs: {}", reply.reply);
    } else {
        simdjson::dom::parser parser;
        simdjson::dom::element answer;
        std::vector<std::string> ids;
        if (parser.parse(reply.reply).get(answer) == simdjson::SUCCESS) {
            simdjson::dom::array list;
            if (answer["ids"].get(list) == simdjson::SUCCESS) {
                for (auto element : list) {
                    std::string_view id;
                    if (element.get(id) == simdjson::SUCCESS) {
                        ids.emplace_back(id);
                    }
                }
            }
        }
        if (!ids.empty()) {
            spdlog::info("http gateway: {} jobs of an earlier life are pending again", ids.size());
            store.add_pending(ids, std::vector<std::string>(ids.size()), "");
        }
    }
    ready.store(true);
}

void GatewayLink::State::on_outcomes(const wire::OutcomesView& outcomes) {
    std::uint64_t number = outcomes.seq.value_or(0);
    for (const auto& outcome : outcomes.outcomes) {
        store.complete(std::string(outcome.id), outcome.ok, outcome_json(outcome),
                       outcomes.seq ? number++ : 0);
    }
}

void GatewayLink::State::send_acks() {
    std::vector<std::uint64_t> numbers = store.take_acks();
    if (numbers.empty()) {
        return;
    }
    send(wire::Ack{config.client, session, as_ranges(std::move(numbers))});
}

void GatewayLink::State::fail_all(const std::string& why) {
    std::deque<Request> taken;
    {
        const std::lock_guard lock(mutex);
        taken.swap(queue);
    }
    for (Request& request : taken) {
        request.answer.set_value(SubmitAnswer{false, 0, "UNAVAILABLE", why, 1000});
    }
    for (auto& [seq, answer] : waiting) {
        answer.set_value(SubmitAnswer{false, 0, "UNAVAILABLE", why, 1000});
    }
    waiting.clear();
}

GatewayLink::GatewayLink(zmq::context_t& context, std::string endpoint, const HttpConfig& config,
                         JobStore& store)
    : state_(std::make_unique<State>(context, std::move(endpoint), config, store, ready_)) {
    state_->thread = std::thread([state = state_.get()] {
        try {
            state->run();
        } catch (const std::exception& error) {
            spdlog::critical("http gateway stopped: {}", error.what());
            state->fail_all(std::string("the HTTP gateway failed: ") + error.what());
        }
    });
}

GatewayLink::~GatewayLink() {
    stop();
}

std::future<SubmitAnswer> GatewayLink::submit(std::vector<wire::SubmitJob> jobs) {
    State::Request request{std::move(jobs), {}};
    auto answer = request.answer.get_future();
    {
        const std::lock_guard lock(state_->mutex);
        if (state_->stopping) {
            request.answer.set_value(
                SubmitAnswer{false, 0, "UNAVAILABLE", "the HTTP server is stopping", 1000});
            return answer;
        }
        state_->queue.push_back(std::move(request));
    }
    state_->ring();
    return answer;
}

void GatewayLink::stop() {
    {
        const std::lock_guard lock(state_->mutex);
        state_->stopping = true;
    }
    state_->ring();
    if (state_->thread.joinable()) {
        state_->thread.join();
    }
    state_->store.wake_all();
}

} // namespace ferry::http
