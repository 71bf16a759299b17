// Integration over real sockets: ADMIN on the producers endpoint reaches the admin service, and
// nothing the service does or lacks stops the broker.
#include "fake_peers.hpp"

#include <catch2/catch.hpp>
#include <mutex>
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
