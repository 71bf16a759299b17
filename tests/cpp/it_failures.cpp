// Integration over real sockets: workers dying or going silent, retries, dead letters, late
// results.
#include "fake_peers.hpp"

#include <catch2/catch.hpp>

using namespace ferry::broker;
using namespace ferry::broker::testing;

namespace {
const auto hold_everything = [](const wire::Job&) -> std::optional<wire::Result> {
    return std::nullopt;
};
}

TEST_CASE("A worker killed mid-batch has its jobs completed elsewhere, each result once") {
    auto config = test_config();
    config.types["echo"].batch = {8, 0};
    RunningBroker broker(config);
    zmq::context_t context;
    FakeProducer producer(context, broker.endpoints().producers);
    std::optional<FakeWorker> doomed;
    doomed.emplace(context, broker.endpoints().workers, "doomed", 8);
    REQUIRE(producer.submit("job", 8));
    doomed->serve(milliseconds(2000), hold_everything,
                  [&] { return doomed->received.size() >= 8; });
    REQUIRE(doomed->received.size() == 8);
    FakeWorker survivor(context, broker.endpoints().workers, "survivor", 8);
    doomed->send(wire::Exited{"doomed", std::nullopt, std::uint64_t{9}, std::nullopt, "killed",
                              std::nullopt});
    doomed.reset(); // its socket closes: the process is gone
    survivor.serve(milliseconds(3000), FakeWorker::echo,
                   [&] { return survivor.received.size() >= 8; });
    producer.collect(8);
    REQUIRE(producer.outcomes.size() == 8);
    CHECK(producer.outcome_messages == 8);
    for (const auto& [id, outcome] : producer.outcomes) {
        CHECK(outcome.ok);
        CHECK(outcome.attempts == 2);
        REQUIRE(outcome.causes.size() == 1);
        CHECK(outcome.causes[0].code == "WORKER_LOST");
        CHECK(outcome.causes[0].message.find("signal 9") != std::string::npos);
    }
}

TEST_CASE("A worker that goes silent is purged and its jobs run on another worker") {
    RunningBroker broker;
    zmq::context_t context;
    FakeProducer producer(context, broker.endpoints().producers);
    Peer silent(context, broker.endpoints().workers);
    silent.send(wire::Ready{"silent", "h", 2, {{"echo", 4, std::nullopt}}, 4, 50});
    REQUIRE(silent.expect<wire::Welcome>());
    REQUIRE(producer.submit("job", 3));
    REQUIRE(silent.expect<wire::Jobs>());
    FakeWorker survivor(context, broker.endpoints().workers, "survivor", 8);
    survivor.serve(milliseconds(3000), FakeWorker::echo,
                   [&] { return survivor.received.size() >= 3; });
    producer.collect(3);
    REQUIRE(producer.outcomes.size() == 3);
    CHECK(producer.outcomes.at("job0").causes.at(0).code == "WORKER_LOST");
}

TEST_CASE("A failing job is retried then dead-lettered with every attempt's cause") {
    auto config = test_config();
    config.default_type.max_attempts = 3;
    RunningBroker broker(config);
    zmq::context_t context;
    FakeWorker worker(context, broker.endpoints().workers, "w1", 4);
    FakeProducer producer(context, broker.endpoints().producers);
    REQUIRE(producer.submit("bad", 1));
    const auto fail = [](const wire::Job& job) -> std::optional<wire::Result> {
        return wire::Result{job.id, false, std::nullopt,
                            wire::Error{"HANDLER_ERROR", "attempt " + std::to_string(job.attempt),
                                        std::string("Traceback: boom"), std::nullopt, std::nullopt},
                            std::nullopt};
    };
    worker.serve(milliseconds(3000), fail, [&] { return worker.received.size() >= 3; });
    producer.collect(1);
    REQUIRE(producer.outcomes.count("bad0") == 1);
    const auto& outcome = producer.outcomes.at("bad0");
    CHECK_FALSE(outcome.ok);
    CHECK(outcome.attempts == 3);
    REQUIRE(outcome.causes.size() == 3);
    CHECK(outcome.causes[0].message == "attempt 1");
    CHECK(outcome.causes[2].message == "attempt 3");
    CHECK(outcome.causes[1].traceback == std::optional<std::string>("Traceback: boom"));
    worker.serve(milliseconds(100));
    CHECK(worker.received.size() == 3);
    broker.stop();
    CHECK(broker.broker().stats().failed == 1);
}

TEST_CASE("A late duplicate result is dropped and the producer sees one outcome") {
    auto config = test_config();
    config.default_type.timeout_s = 0;
    RunningBroker broker(config);
    zmq::context_t context;
    FakeProducer producer(context, broker.endpoints().producers);
    wire::Submit submit{producer.client(),
                        producer.session(),
                        1,
                        {{"slow", "echo", "\xc0", std::nullopt, std::uint64_t{100}, std::nullopt}}};
    REQUIRE(producer.send_submit(submit));
    FakeWorker first(context, broker.endpoints().workers, "first", 1);
    first.serve(milliseconds(3000), hold_everything, [&] { return !first.cancels.empty(); });
    REQUIRE(first.cancels.size() == 1);
    CHECK(first.cancels[0].code == "TIMEOUT");
    FakeWorker second(context, broker.endpoints().workers, "second", 1);
    second.serve(milliseconds(3000), FakeWorker::echo, [&] { return !second.received.empty(); });
    REQUIRE(second.received.size() == 1);
    CHECK(second.received[0].attempt == 2);
    first.send(wire::Results{{*FakeWorker::echo(first.received.at(0))}, std::nullopt});
    producer.collect(1);
    first.serve(milliseconds(200));
    producer.collect(2, milliseconds(200));
    CHECK(producer.outcome_messages == 1);
    broker.stop();
    CHECK(broker.broker().stats().duplicates_dropped == 1);
    CHECK(broker.broker().stats().timeouts == 1);
}

TEST_CASE("A worker unknown to the broker gets its results counted and is told to register") {
    RunningBroker broker;
    zmq::context_t context;
    Peer stranger(context, broker.endpoints().workers);
    stranger.send(wire::Results{{{"x\x1fy", true, std::string("\xc0"), std::nullopt, std::nullopt}},
                                std::nullopt});
    CHECK(stranger.expect<wire::Disconnect>().has_value());
    stranger.send(wire::Heartbeat{});
    CHECK(stranger.expect<wire::Disconnect>().has_value());
}

TEST_CASE("Shutdown lets in-flight jobs finish and sends DISCONNECT to workers") {
    RunningBroker broker;
    zmq::context_t context;
    FakeWorker worker(context, broker.endpoints().workers, "w1", 4);
    FakeProducer producer(context, broker.endpoints().producers);
    REQUIRE(producer.submit("job", 2));
    worker.serve(milliseconds(2000), hold_everything, [&] { return worker.received.size() >= 2; });
    std::thread stopper([&] { broker.stop(); });
    wire::Results results;
    for (const auto& job : worker.received) {
        results.results.push_back(*FakeWorker::echo(job));
    }
    worker.send(results);
    worker.serve(milliseconds(3000), FakeWorker::echo, [&] { return worker.disconnected; });
    stopper.join();
    producer.collect(2);
    CHECK(worker.disconnected);
    CHECK(producer.outcomes.size() == 2);
    CHECK(producer.outcomes.at("job0").ok);
}
