// Integration over real sockets: jobs flow, credit holds, batches flush by size and by delay.
#include "fake_peers.hpp"

#include <catch2/catch.hpp>

using namespace ferry::broker;
using namespace ferry::broker::testing;

TEST_CASE("Jobs submitted over real sockets each come back exactly once") {
    RunningBroker broker;
    zmq::context_t context;
    FakeWorker worker(context, broker.endpoints().workers, "w1", 8);
    REQUIRE(worker.welcomed());
    FakeProducer producer(context, broker.endpoints().producers);
    auto answer = producer.submit("job", 100);
    REQUIRE(answer);
    REQUIRE(std::holds_alternative<wire::Accepted>(*answer));
    CHECK(std::get<wire::Accepted>(*answer).accepted == 100);
    worker.serve(milliseconds(5000), FakeWorker::echo,
                 [&] { return worker.received.size() >= 100; });
    producer.collect(100);
    CHECK(producer.outcomes.size() == 100);
    CHECK(producer.outcome_messages == 100);
    CHECK(producer.outcomes.at("job7").ok);
    CHECK(producer.outcomes.at("job7").result == std::optional<std::string>("\xa2hi"));
}

TEST_CASE("The broker never sends a worker more jobs than its credit") {
    RunningBroker broker;
    zmq::context_t context;
    FakeWorker worker(context, broker.endpoints().workers, "w1", 3);
    FakeProducer producer(context, broker.endpoints().producers);
    REQUIRE(producer.submit("job", 50));
    // Answer every other job late: hold answers back to stress the credit bound.
    std::vector<wire::Job> held;
    const auto rule = [&](const wire::Job& job) -> std::optional<wire::Result> {
        held.push_back(job);
        return std::nullopt;
    };
    const auto deadline = std::chrono::steady_clock::now() + milliseconds(5000);
    while (worker.received.size() < 50 && std::chrono::steady_clock::now() < deadline) {
        worker.pump(rule);
        CHECK(worker.unanswered <= 3);
        if (!held.empty()) {
            wire::Results results;
            for (const auto& job : held) {
                results.results.push_back(*FakeWorker::echo(job));
            }
            worker.unanswered -= held.size();
            held.clear();
            worker.send(results);
        }
    }
    CHECK(worker.max_unanswered <= 3);
    producer.collect(50);
    CHECK(producer.outcomes.size() == 50);
}

TEST_CASE("A batch is flushed as soon as it is full") {
    auto config = test_config();
    config.types["echo"].batch = {4, 10000};
    RunningBroker broker(config);
    zmq::context_t context;
    FakeWorker worker(context, broker.endpoints().workers, "w1", 100);
    FakeProducer producer(context, broker.endpoints().producers);
    REQUIRE(producer.submit("a", 3));
    worker.serve(milliseconds(200));
    CHECK(worker.received.empty());
    REQUIRE(producer.submit("b", 1));
    worker.serve(milliseconds(2000), FakeWorker::echo, [&] { return worker.received.size() >= 4; });
    REQUIRE(worker.batch_sizes.size() == 1);
    CHECK(worker.batch_sizes[0] == 4);
}

TEST_CASE("A partial batch is flushed when its oldest job has waited max_delay_ms") {
    auto config = test_config();
    config.types["echo"].batch = {64, 150};
    RunningBroker broker(config);
    zmq::context_t context;
    FakeWorker worker(context, broker.endpoints().workers, "w1", 100);
    FakeProducer producer(context, broker.endpoints().producers);
    const auto submitted = std::chrono::steady_clock::now();
    REQUIRE(producer.submit("a", 2));
    worker.serve(milliseconds(3000), FakeWorker::echo, [&] { return !worker.received.empty(); });
    const auto waited = std::chrono::steady_clock::now() - submitted;
    REQUIRE(worker.batch_sizes.size() == 1);
    CHECK(worker.batch_sizes[0] == 2);
    CHECK(waited >= milliseconds(140));
    CHECK(waited < milliseconds(1000));
}

TEST_CASE("Beyond max_pending a submit is rejected with QUEUE_FULL and a retry delay") {
    auto config = test_config();
    config.max_pending = 10;
    RunningBroker broker(config);
    zmq::context_t context;
    FakeProducer producer(context, broker.endpoints().producers);
    auto first = producer.submit("a", 8);
    REQUIRE(first);
    REQUIRE(std::holds_alternative<wire::Accepted>(*first));
    CHECK(std::get<wire::Accepted>(*first).credit == 2);
    auto second = producer.submit("b", 5);
    REQUIRE(second);
    REQUIRE(std::holds_alternative<wire::Rejected>(*second));
    CHECK(std::get<wire::Rejected>(*second).code == "QUEUE_FULL");
    CHECK(std::get<wire::Rejected>(*second).retry_after_ms > 0);
}

TEST_CASE("A repeated job id is reported as a duplicate and not run twice") {
    RunningBroker broker;
    zmq::context_t context;
    FakeWorker worker(context, broker.endpoints().workers, "w1", 8);
    FakeProducer producer(context, broker.endpoints().producers);
    REQUIRE(producer.submit("a", 3));
    auto again = producer.submit("a", 3);
    REQUIRE(again);
    CHECK(std::get<wire::Accepted>(*again).duplicates == 3);
    worker.serve(milliseconds(500));
    producer.collect(3);
    CHECK(worker.received.size() == 3);
    CHECK(producer.outcome_messages == 3);
}

TEST_CASE("An oversized payload fails at submit with PAYLOAD_TOO_LARGE") {
    auto config = test_config();
    config.max_payload_bytes = 2;
    RunningBroker broker(config);
    zmq::context_t context;
    FakeProducer producer(context, broker.endpoints().producers);
    auto answer = producer.submit("big", 1);
    REQUIRE(answer);
    CHECK(std::get<wire::Accepted>(*answer).accepted == 1);
    producer.collect(1);
    REQUIRE(producer.outcomes.count("big0") == 1);
    CHECK(producer.outcomes.at("big0").error->code == "PAYLOAD_TOO_LARGE");
}
