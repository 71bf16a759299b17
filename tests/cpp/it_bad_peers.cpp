// Integration over real sockets: garbage, truncated frames and wrong versions never stop the
// broker.
#include "fake_peers.hpp"

#include <catch2/catch.hpp>
#include <msgpack.hpp>
#include <random>

using namespace ferry::broker;
using namespace ferry::broker::testing;

namespace {
std::string random_bytes(std::mt19937& engine, std::size_t size) {
    std::string bytes(size, '\0');
    for (auto& byte : bytes) {
        byte = static_cast<char>(engine() & 0xff);
    }
    return bytes;
}

// Sends a mix of garbage: random frames, truncated valid messages, extra frames.
void send_garbage(Peer& peer, std::mt19937& engine, const wire::Message& valid) {
    const auto frames = wire::encode(valid);
    switch (engine() % 5) {
    case 0:
        peer.send_frames({random_bytes(engine, engine() % 64)});
        break;
    case 1:
        peer.send_frames({frames.header, frames.body.substr(0, frames.body.size() / 2)});
        break;
    case 2:
        peer.send_frames({frames.header.substr(0, 4), frames.body});
        break;
    case 3:
        peer.send_frames({frames.header, frames.body, "extra"});
        break;
    default:
        peer.send_frames({frames.header, random_bytes(engine, 1 + engine() % 32)});
        break;
    }
}
} // namespace

TEST_CASE("Random garbage and truncated frames on both ports do not stop jobs completing") {
    RunningBroker broker;
    zmq::context_t context;
    FakeWorker worker(context, broker.endpoints().workers, "w1", 16);
    FakeProducer producer(context, broker.endpoints().producers);
    Peer bad_producer(context, broker.endpoints().producers);
    Peer bad_worker(context, broker.endpoints().workers);
    std::mt19937 engine(1234);
    const wire::Submit sample{
        "evil", "s", 1, {{"x", "echo", "\xc0", std::nullopt, std::nullopt, std::nullopt}}};
    const wire::Ready ready{"evil", "h", 1, {{"echo", 1, std::nullopt}}, 1, 50};
    for (int round = 0; round < 10; ++round) {
        for (int i = 0; i < 20; ++i) {
            send_garbage(bad_producer, engine, sample);
            send_garbage(bad_worker, engine, ready);
        }
        REQUIRE(producer.submit("r" + std::to_string(round) + "-", 20));
        worker.serve(milliseconds(100));
    }
    worker.serve(milliseconds(5000), FakeWorker::echo,
                 [&] { return worker.received.size() >= 200; });
    producer.collect(200);
    CHECK(producer.outcomes.size() == 200);
    CHECK(producer.outcome_messages == 200);
    broker.stop();
    CHECK(broker.broker().counters().malformed_messages >= 300);
}

TEST_CASE("A peer speaking another protocol version is refused with VERSION_MISMATCH") {
    RunningBroker broker;
    zmq::context_t context;
    for (const auto* endpoint : {&broker.endpoints().producers, &broker.endpoints().workers}) {
        Peer peer(context, *endpoint);
        auto frames = wire::encode(wire::Status{});
        frames.header[5] = 2;
        peer.send_frames({frames.header, frames.body});
        auto error = peer.expect<wire::ErrorReply>();
        REQUIRE(error);
        CHECK(error->code == "VERSION_MISMATCH");
    }
}

TEST_CASE("A message of the wrong direction gets an ERROR and is counted") {
    RunningBroker broker;
    zmq::context_t context;
    Peer peer(context, broker.endpoints().producers);
    peer.send(wire::Heartbeat{});
    auto error = peer.expect<wire::ErrorReply>();
    REQUIRE(error);
    CHECK(error->code == "MALFORMED_MESSAGE");
}
