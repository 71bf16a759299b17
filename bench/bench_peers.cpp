// The benchmark's native peers: a windowed producer, an echo worker, and the raw libzmq baseline.
#include "bench_peers.hpp"

#include "ferry/wire/codec.hpp"

#include <chrono>
#include <thread>

namespace ferry::bench {
namespace {

using Clock = std::chrono::steady_clock;

void send_frames(zmq::socket_t& socket, const wire::Frames& frames) {
    (void)socket.send(zmq::buffer(frames.header), zmq::send_flags::sndmore);
    (void)socket.send(zmq::buffer(frames.body), zmq::send_flags::none);
}

// One received two-frame message; the frames outlive the views decoded from them.
struct Received {
    zmq::message_t header;
    zmq::message_t body;
    std::optional<wire::Command> command; // empty when the header is not ours

    bool receive(zmq::socket_t& socket) {
        if (!socket.recv(header, zmq::recv_flags::none)) {
            return false;
        }
        (void)socket.recv(body, zmq::recv_flags::none);
        const auto decoded = wire::decode_header(header.to_string_view());
        const auto* known = std::get_if<wire::Command>(&decoded);
        command = known == nullptr ? std::nullopt : std::optional<wire::Command>(*known);
        return true;
    }
};

// A SUBMIT reused between batches: only the ids change, so building one allocates little.
struct SubmitBuilder {
    wire::Message message = wire::Submit{};
    wire::Frames frames;
    std::uint64_t next_id = 0;

    void build(std::size_t count, const std::string& payload, std::uint64_t seq) {
        auto& submit = std::get<wire::Submit>(message);
        submit.client = "bench";
        submit.session = "bench-session";
        submit.seq = seq;
        submit.jobs.resize(count);
        for (auto& job : submit.jobs) {
            job.id = std::to_string(next_id++);
            job.type = "echo";
            job.payload = payload;
        }
        wire::encode_into(message, frames);
    }
};

} // namespace

ProducerReport run_producer(zmq::context_t& context, const std::string& endpoint,
                            std::uint64_t jobs, std::size_t payload_bytes, std::size_t batch,
                            std::uint64_t window, const security::ClientCurve& curve) {
    zmq::socket_t socket(context, zmq::socket_type::dealer);
    socket.set(zmq::sockopt::sndhwm, 0);
    socket.set(zmq::sockopt::rcvhwm, 0);
    security::apply_client_curve(socket, curve);
    socket.connect(endpoint);
    // A msgpack bin payload: 0xc4, length, then bytes, `payload_bytes` in all.
    std::string payload(payload_bytes, 'x');
    payload[0] = static_cast<char>(0xc4);
    payload[1] = static_cast<char>(payload_bytes - 2);
    SubmitBuilder builder;
    Received received;
    wire::OutcomesView outcomes;
    wire::AckView ack{"bench", "bench-session", {}};
    wire::Frames ack_frames;
    ProducerReport report;
    std::uint64_t submitted = 0;
    std::uint64_t seq = 0;
    const auto start = Clock::now();
    while (report.outcomes < jobs) {
        while (submitted < jobs && submitted - report.outcomes + batch <= window) {
            const auto count =
                static_cast<std::size_t>(std::min<std::uint64_t>(batch, jobs - submitted));
            builder.build(count, payload, ++seq);
            send_frames(socket, builder.frames);
            submitted += count;
        }
        if (!received.receive(socket)) {
            continue;
        }
        if (received.command == wire::Command::outcomes &&
            !wire::decode_view(received.body.to_string_view(), outcomes)) {
            for (const auto& outcome : outcomes.outcomes) {
                report.failed += outcome.ok ? 0 : 1;
            }
            ack.ranges = {outcomes.seq.value_or(0), outcomes.outcomes.size()};
            report.outcomes += outcomes.outcomes.size();
            // As a producer would once the outcomes are written: the broker then forgets them.
            wire::encode_into(ack, ack_frames);
            send_frames(socket, ack_frames);
        } else if (received.command == wire::Command::rejected) {
            ++report.rejected; // the benchmark sizes max_pending so this does not happen
        }
    }
    report.seconds = std::chrono::duration<double>(Clock::now() - start).count();
    return report;
}

// Each JOBS is answered by one RESULTS with the payloads echoed (views into the JOBS frame, as a
// native worker would answer without copying); no heartbeats are needed
// because a busy worker's results prove it alive, and an idle benchmark ends soon.
void run_echo_worker(zmq::context_t& context, const std::string& endpoint, std::uint64_t credit,
                     std::uint64_t max_batch, const security::ClientCurve& curve) {
    zmq::socket_t socket(context, zmq::socket_type::dealer);
    socket.set(zmq::sockopt::sndhwm, 0);
    socket.set(zmq::sockopt::rcvhwm, 0);
    security::apply_client_curve(socket, curve);
    socket.connect(endpoint);
    send_frames(
        socket,
        wire::encode(wire::Ready{
            "bench-worker", "localhost", 1, {{"echo", max_batch, std::nullopt}}, credit, 1000}));
    Received received;
    wire::JobsView jobs;
    wire::ResultsView reply;
    wire::Frames frames;
    auto last_beat = Clock::now();
    while (true) {
        zmq::pollitem_t item{socket.handle(), 0, ZMQ_POLLIN, 0};
        if (Clock::now() - last_beat > std::chrono::milliseconds(500)) {
            send_frames(socket, wire::encode(wire::Heartbeat{}));
            last_beat = Clock::now();
        }
        if (zmq::poll(&item, 1, std::chrono::milliseconds(100)) == 0) {
            continue;
        }
        if (!received.receive(socket)) {
            continue;
        }
        if (received.command == wire::Command::disconnect) {
            return;
        }
        if (received.command != wire::Command::jobs ||
            wire::decode_view(received.body.to_string_view(), jobs)) {
            continue;
        }
        reply.results.resize(jobs.jobs.size());
        for (std::size_t i = 0; i < jobs.jobs.size(); ++i) {
            reply.results[i].id = jobs.jobs[i].id;
            reply.results[i].ok = true;
            reply.results[i].result = jobs.jobs[i].payload;
        }
        wire::encode_into(reply, frames);
        send_frames(socket, frames);
    }
}

double raw_push_pull(zmq::context_t& context, std::uint64_t messages, std::size_t bytes) {
    zmq::socket_t pull(context, zmq::socket_type::pull);
    pull.bind("tcp://127.0.0.1:*");
    const std::string endpoint = pull.get(zmq::sockopt::last_endpoint);
    std::thread pusher([&context, &endpoint, messages, bytes] {
        zmq::socket_t push(context, zmq::socket_type::push);
        push.connect(endpoint);
        const std::string data(bytes, 'x');
        for (std::uint64_t i = 0; i < messages; ++i) {
            (void)push.send(zmq::buffer(data), zmq::send_flags::none);
        }
    });
    zmq::message_t message;
    (void)pull.recv(message, zmq::recv_flags::none);
    const auto start = Clock::now();
    for (std::uint64_t i = 1; i < messages; ++i) {
        (void)pull.recv(message, zmq::recv_flags::none);
    }
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    pusher.join();
    return static_cast<double>(messages - 1) / seconds;
}

} // namespace ferry::bench
