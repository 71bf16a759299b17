// Integration over real sockets: ADMIN on the producers endpoint reaches the admin service, and
// nothing the service does or lacks stops the broker.
#include "fake_peers.hpp"
#include "temp_dir.hpp"

#include <catch2/catch.hpp>
#include <mutex>
#include <simdjson.h>
#include <stdexcept>

using namespace ferry::broker;
using namespace ferry::broker::testing;

namespace {

// An admin service that answers with what it was asked, and remembers each request.
class EchoAdminService : public AdminService {
  public:
    AdminAnswer answer(std::string_view command, std::string_view args_json) override {
        const std::lock_guard lock(mutex_);
        requests_.emplace_back(command, args_json);
        if (command == "pause") {
            return {false, "no pipeline named 'nightly'", "INVALID_ARGUMENT"};
        }
        return {true, std::string(R"({"message": "did )") + std::string(command) + "\"}", ""};
    }
    std::vector<std::pair<std::string, std::string>> requests() {
        const std::lock_guard lock(mutex_);
        return requests_;
    }

  private:
    std::mutex mutex_;                                          // the loop writes, the test reads
    std::vector<std::pair<std::string, std::string>> requests_; // (command, args) in order
};

// An admin service with a bug: every request throws.
class ThrowingAdminService : public AdminService {
  public:
    AdminAnswer answer(std::string_view, std::string_view) override {
        throw std::logic_error("scheduler table is corrupt");
    }
};

std::optional<wire::AdminReply> ask(Peer& peer, std::string command, std::string args) {
    peer.send(wire::Admin{std::move(command), std::move(args)});
    return peer.expect<wire::AdminReply>();
}

} // namespace

TEST_CASE("An ADMIN request gets the admin service's answer with the arguments passed unread") {
    auto service = std::make_shared<EchoAdminService>();
    RunningBroker broker(test_config(), service);
    zmq::context_t context;
    Peer client(context, broker.endpoints().producers);
    const std::string args = R"({"pipeline": "nightly", "at": "2026-12-03T02:00:00Z"})";
    auto reply = ask(client, "trigger", args);
    REQUIRE(reply);
    CHECK(reply->ok);
    CHECK(reply->reply == R"({"message": "did trigger"})");
    CHECK_FALSE(reply->code.has_value());
    REQUIRE(service->requests().size() == 1);
    CHECK(service->requests()[0].first == "trigger");
    CHECK(service->requests()[0].second == args);
}

TEST_CASE("A refusal from the admin service travels back with its message and code") {
    RunningBroker broker(test_config(), std::make_shared<EchoAdminService>());
    zmq::context_t context;
    Peer client(context, broker.endpoints().producers);
    auto reply = ask(client, "pause", R"({"pipeline": "nightly"})");
    REQUIRE(reply);
    CHECK_FALSE(reply->ok);
    CHECK(reply->reply == "no pipeline named 'nightly'");
    CHECK(reply->code == std::optional<std::string>("INVALID_ARGUMENT"));
}

TEST_CASE("A broker without an admin service refuses ADMIN saying pipeline commands need serve") {
    RunningBroker broker;
    zmq::context_t context;
    Peer client(context, broker.endpoints().producers);
    auto reply = ask(client, "runs", "{}");
    REQUIRE(reply);
    CHECK_FALSE(reply->ok);
    CHECK(reply->code == std::optional<std::string>("UNSUPPORTED"));
    CHECK(reply->reply.find("no scheduler") != std::string::npos);
    CHECK(reply->reply.find("ferry serve") != std::string::npos);
}

TEST_CASE("A throwing admin service gets an INTERNAL refusal and the broker keeps serving") {
    RunningBroker broker(test_config(), std::make_shared<ThrowingAdminService>());
    zmq::context_t context;
    Peer client(context, broker.endpoints().producers);
    for (int i = 0; i < 2; ++i) {
        auto reply = ask(client, "runs", "{}");
        REQUIRE(reply);
        CHECK_FALSE(reply->ok);
        CHECK(reply->code == std::optional<std::string>("INTERNAL"));
        CHECK(reply->reply.find("scheduler table is corrupt") != std::string::npos);
    }
    client.send(wire::Status{});
    CHECK(client.expect<wire::StatusReply>());
}

TEST_CASE("A malformed ADMIN is dropped and counted, and the broker keeps serving") {
    auto service = std::make_shared<EchoAdminService>();
    RunningBroker broker(test_config(), service);
    zmq::context_t context;
    Peer client(context, broker.endpoints().producers);
    const auto frames = wire::encode(wire::Admin{"runs", "{}"});
    // A body with `command` only: `args` is required.
    msgpack::sbuffer body;
    msgpack::packer<msgpack::sbuffer> packer(body);
    packer.pack_map(1);
    packer.pack(std::string("command"));
    packer.pack(std::string("runs"));
    client.send_frames({frames.header, std::string(body.data(), body.size())});
    client.send(wire::Status{});
    REQUIRE(client.expect<wire::StatusReply>());
    CHECK(service->requests().empty());
    CHECK(ask(client, "runs", "{}"));
    broker.stop();
    CHECK(broker.broker().counters().malformed_messages == 1);
}

namespace {

// A journaled broker whose jobs get one attempt, so a failure is a dead letter at once.
struct DeadLetterSetup {
    DeadLetterSetup() {
        config.journal.path = scratch.root();
        config.shutdown_grace_s = 0;
        config.default_type.max_attempts = 1;
    }
    ferry::test::TempDir scratch;        // journal directory, removed afterwards
    BrokerConfig config = test_config(); // settings under test
};

std::optional<wire::Result> refuse(const wire::Job& job) {
    return wire::Result{job.id, false, std::nullopt,
                        wire::Error{"INVALID_ARGUMENT", "bad input", std::string("Traceback: x"),
                                    std::nullopt, std::nullopt},
                        std::nullopt};
}

// How many workers the broker's STATUS lists.
std::size_t workers_listed(zmq::context_t& context, const std::string& endpoint) {
    Peer peer(context, endpoint);
    peer.send(wire::Status{});
    auto reply = peer.expect<wire::StatusReply>();
    REQUIRE(reply);
    const auto handle = msgpack::unpack(reply->status.data(), reply->status.size());
    const msgpack::object& map = handle.get();
    for (std::uint32_t i = 0; i < map.via.map.size; ++i) {
        if (map.via.map.ptr[i].key.as<std::string_view>() == "workers") {
            return map.via.map.ptr[i].val.via.array.size;
        }
    }
    FAIL("STATUS has no workers list");
    return 0;
}

simdjson::dom::element parse(simdjson::dom::parser& parser, const std::string& json) {
    simdjson::dom::element element;
    REQUIRE(parser.parse(json).get(element) == simdjson::SUCCESS);
    return element;
}

} // namespace

TEST_CASE("Dead letters are listed newest first with every cause, and redrive survives a restart") {
    DeadLetterSetup setup;
    zmq::context_t context;
    {
        RunningBroker broker(setup.config);
        FakeProducer producer(context, broker.endpoints().producers);
        REQUIRE(producer.hello());
        REQUIRE(producer.submit("job", 2));
        FakeWorker worker(context, broker.endpoints().workers, "w", 10);
        worker.serve(std::chrono::seconds(5), refuse, [&] { return worker.received.size() == 2; });
        producer.collect(2);
        REQUIRE(producer.outcomes.size() == 2);
        // The worker leaves, so the redriven job below waits in the queue, journaled.
        worker.send(wire::Disconnect{std::string("test over"), std::nullopt});
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
        while (workers_listed(context, broker.endpoints().producers) != 0 &&
               std::chrono::steady_clock::now() < deadline) {
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
        REQUIRE(workers_listed(context, broker.endpoints().producers) == 0);

        Peer admin(context, broker.endpoints().producers);
        auto listed = ask(admin, "dead_letters", R"({"client": "p1", "limit": 1})");
        REQUIRE(listed);
        REQUIRE(listed->ok);
        simdjson::dom::parser parser;
        const auto json = parse(parser, listed->reply);
        CHECK(uint64_t(json["total"]) == 2);
        CHECK(uint64_t(json["kept"]) == 2);
        const auto letters = simdjson::dom::array(json["dead_letters"]);
        REQUIRE(letters.size() == 1);
        const auto letter = letters.at(0);
        CHECK(std::string_view(letter["id"]) == "job1");
        CHECK(std::string_view(letter["client"]) == "p1");
        CHECK(std::string_view(letter["error"]["code"]) == "INVALID_ARGUMENT");
        CHECK(std::string_view(letter["error"]["traceback"]) == "Traceback: x");
        CHECK(std::string_view(letter["error"]["worker"]) == "w");
        CHECK(uint64_t(letter["attempts"]) == 1);
        CHECK(bool(letter["redrivable"]));
        auto other = ask(admin, "dead_letters", R"({"client": "somebody-else"})");
        REQUIRE(other);
        CHECK(other->reply.find("\"dead_letters\":[]") != std::string::npos);

        auto redriven = ask(admin, "redrive", R"({"client": "p1", "id": "job0"})");
        REQUIRE(redriven);
        REQUIRE(redriven->ok);
        CHECK(redriven->reply == R"({"id":"job0","state":"queued"})");
        auto again = ask(admin, "redrive", R"({"client": "p1", "id": "job0"})");
        REQUIRE(again);
        CHECK_FALSE(again->ok);
        CHECK(again->code == std::optional<std::string>("INVALID_ARGUMENT"));
        CHECK(again->reply.find("queued or running again") != std::string::npos);
        // Nobody runs it in this life: the broker stops with the job queued.
    }
    RunningBroker restarted(setup.config);
    FakeWorker worker(context, restarted.endpoints().workers, "w2", 10);
    worker.serve(std::chrono::seconds(5), FakeWorker::echo,
                 [&] { return !worker.received.empty(); });
    REQUIRE(worker.received.size() == 1);
    CHECK(worker.received[0].attempt == 1);
    CHECK(worker.received[0].id.ends_with("job0"));
}

TEST_CASE("ADMIN cancel stops a running job at its worker and says what it found") {
    RunningBroker broker;
    zmq::context_t context;
    FakeProducer producer(context, broker.endpoints().producers);
    REQUIRE(producer.hello());
    FakeWorker worker(context, broker.endpoints().workers, "w", 10);
    REQUIRE(producer.submit("job", 1));
    worker.serve(
        std::chrono::seconds(5), [](const wire::Job&) { return std::nullopt; },
        [&] { return !worker.received.empty(); });
    REQUIRE(worker.received.size() == 1);
    Peer admin(context, broker.endpoints().producers);
    auto cancelled = ask(admin, "cancel", R"({"client": "p1", "id": "job0"})");
    REQUIRE(cancelled);
    REQUIRE(cancelled->ok);
    CHECK(cancelled->reply == R"({"id":"job0","state":"cancelled"})");
    worker.serve(std::chrono::seconds(5), FakeWorker::echo,
                 [&] { return !worker.cancels.empty(); });
    REQUIRE(worker.cancels.size() == 1);
    producer.collect(1);
    REQUIRE(producer.outcomes.count("job0") == 1);
    CHECK(producer.outcomes.at("job0").error->code == "CANCELLED");

    auto finished = ask(admin, "cancel", R"({"client": "p1", "id": "job0"})");
    REQUIRE(finished);
    CHECK(finished->reply == R"({"id":"job0","state":"finished"})");
    auto unknown = ask(admin, "cancel", R"({"client": "p1", "id": "nope"})");
    REQUIRE(unknown);
    CHECK_FALSE(unknown->ok);
    CHECK(unknown->reply.starts_with("no job 'nope'"));
    auto incomplete = ask(admin, "cancel", R"({"id": "job0"})");
    REQUIRE(incomplete);
    CHECK_FALSE(incomplete->ok);
    CHECK(incomplete->reply.find("\"client\"") != std::string::npos);
}
