// Integration over real sockets: a client name belongs to one live producer session; outcomes
// stay with the broker until acknowledged and follow the name to a session that takes it over.
#include "fake_peers.hpp"

#include <catch2/catch.hpp>

using namespace ferry::broker;
using namespace ferry::broker::testing;

namespace {

// HELLO until the broker welcomes the session (a refusal says when to try again).
bool claim_within(FakeProducer& producer, milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        const auto answer = producer.hello(50);
        if (answer && std::holds_alternative<wire::Welcome>(*answer)) {
            return true;
        }
        if (answer && std::holds_alternative<wire::Rejected>(*answer)) {
            const auto wait = std::get<wire::Rejected>(*answer).retry_after_ms;
            std::this_thread::sleep_for(milliseconds(std::min<std::uint64_t>(wait, 50)));
        }
    }
    return false;
}

wire::Submit submit_of(const FakeProducer& producer, std::uint64_t seq,
                       const std::vector<std::string>& ids) {
    wire::Submit submit{producer.client(), producer.session(), seq, {}};
    for (const auto& id : ids) {
        submit.jobs.push_back({id, "echo", "\xa2hi", std::nullopt, std::nullopt, std::nullopt});
    }
    return submit;
}

} // namespace

TEST_CASE("A second live session is refused the name and none of the owner's outcomes reach it") {
    RunningBroker broker;
    zmq::context_t context;
    FakeProducer owner(context, broker.endpoints().producers, "shared", "owner");
    REQUIRE(claim_within(owner, milliseconds(2000)));
    REQUIRE(owner.submit("job", 5));
    FakeProducer rogue(context, broker.endpoints().producers, "shared", "rogue");
    const auto refused = rogue.submit("job", 1);
    REQUIRE(refused);
    REQUIRE(std::holds_alternative<wire::Rejected>(*refused));
    CHECK(std::get<wire::Rejected>(*refused).code == "CLIENT_IN_USE");
    CHECK(std::get<wire::Rejected>(*refused).retry_after_ms > 0);
    FakeWorker worker(context, broker.endpoints().workers, "w1", 8);
    worker.serve(milliseconds(3000), FakeWorker::echo, [&] { return worker.received.size() >= 5; });
    owner.collect(5);
    CHECK(owner.outcomes.size() == 5);
    rogue.collect(1, milliseconds(200));
    CHECK(rogue.outcomes.empty());
    CHECK(worker.received.size() == 5); // the rogue's job was never queued
    CHECK(status_counter(context, broker.endpoints().producers, "claims_refused") == 1u);
}

TEST_CASE("A silent owner's name is taken over and its kept outcomes go to the new session") {
    RunningBroker broker;
    zmq::context_t context;
    FakeWorker worker(context, broker.endpoints().workers, "w1", 8);
    {
        FakeProducer crashed(context, broker.endpoints().producers, "run-1", "first");
        crashed.auto_ack = false; // it dies before writing anything
        REQUIRE(claim_within(crashed, milliseconds(2000)));
        REQUIRE(crashed.submit("job", 3));
        worker.serve(milliseconds(3000), FakeWorker::echo,
                     [&] { return worker.received.size() >= 3; });
        crashed.collect(3);
        REQUIRE(crashed.outcomes.size() == 3);
    }
    REQUIRE(wait_for_counter(context, broker.endpoints().producers, "outcomes_kept", 3));
    FakeProducer resumed(context, broker.endpoints().producers, "run-1", "second");
    REQUIRE(claim_within(resumed, milliseconds(3000))); // after 50 ms x liveness 3 of silence
    const auto answer = resumed.send_submit(submit_of(resumed, 1, {"job0", "job1", "job2"}));
    REQUIRE(answer);
    CHECK(std::get<wire::Accepted>(*answer).duplicates == 3);
    resumed.collect(3);
    CHECK(resumed.outcomes.size() == 3);
    CHECK(worker.received.size() == 3); // nothing ran again
    CHECK(wait_for_counter(context, broker.endpoints().producers, "outcomes_kept", 0));
}

TEST_CASE(
    "A producer's DISCONNECT frees its name at once, and a finished one drops kept outcomes") {
    RunningBroker broker;
    zmq::context_t context;
    FakeWorker worker(context, broker.endpoints().workers, "w1", 8);
    FakeProducer first(context, broker.endpoints().producers, "run-2", "first");
    first.auto_ack = false;
    REQUIRE(claim_within(first, milliseconds(2000)));
    REQUIRE(first.submit("job", 2));
    worker.serve(milliseconds(3000), FakeWorker::echo, [&] { return worker.received.size() >= 2; });
    first.collect(2);
    first.peer().send(wire::Disconnect{std::string("run finished"), true});
    REQUIRE(wait_for_counter(context, broker.endpoints().producers, "outcomes_kept", 0));
    FakeProducer next(context, broker.endpoints().producers, "run-2", "next");
    const auto answer = next.hello();
    REQUIRE(answer);
    CHECK(std::holds_alternative<wire::Welcome>(*answer)); // no wait for the first to go silent
}

TEST_CASE("An ACK from a session that does not own the name forgets nothing") {
    RunningBroker broker;
    zmq::context_t context;
    FakeWorker worker(context, broker.endpoints().workers, "w1", 8);
    FakeProducer owner(context, broker.endpoints().producers, "run-3", "owner");
    owner.auto_ack = false;
    REQUIRE(claim_within(owner, milliseconds(2000)));
    REQUIRE(owner.submit("job", 2));
    worker.serve(milliseconds(3000), FakeWorker::echo, [&] { return worker.received.size() >= 2; });
    owner.collect(2);
    FakeProducer other(context, broker.endpoints().producers, "run-3", "other");
    other.ack({"job0", "job1"});
    REQUIRE(wait_for_counter(context, broker.endpoints().producers, "claims_refused", 1));
    CHECK(status_counter(context, broker.endpoints().producers, "outcomes_kept") == 2u);
    owner.ack({"job0", "job1"});
    CHECK(wait_for_counter(context, broker.endpoints().producers, "outcomes_kept", 0));
}
