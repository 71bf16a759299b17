// The ADMIN round trip of the pipeline commands against an embedded broker with an admin service.
#include "ferry/app/admin_client.hpp"
#include "ferry/app/embedded_broker.hpp"

#include <catch2/catch.hpp>
#include <mutex>
#include <spdlog/spdlog.h>
#include <zmq.hpp>

using namespace ferry;
using namespace std::chrono_literals;

namespace {

// Answers every request with its command and arguments inside a JSON object.
class RecordingService : public broker::AdminService {
  public:
    broker::AdminAnswer answer(std::string_view command, std::string_view args_json) override {
        const std::lock_guard lock(mutex_);
        ++calls_;
        return {true,
                R"({"command": ")" + std::string(command) + R"(", "args": )" +
                    std::string(args_json) + "}",
                ""};
    }
    int calls() {
        const std::lock_guard lock(mutex_);
        return calls_;
    }

  private:
    std::mutex mutex_; // the broker's loop writes, the test reads
    int calls_ = 0;    // requests answered
};

broker::BrokerConfig loopback_config() {
    spdlog::set_level(spdlog::level::err);
    broker::BrokerConfig config;
    config.producers_endpoint = "tcp://127.0.0.1:*";
    config.workers_endpoint = "tcp://127.0.0.1:*";
    config.shutdown_grace_s = 1;
    return config;
}

} // namespace

TEST_CASE("An embedded broker hands ADMIN to the service given to its constructor") {
    auto service = std::make_shared<RecordingService>();
    app::EmbeddedBroker broker(loopback_config(), service);
    const std::string args = app::AdminArgs().text("pipeline", "nightly").json();
    const auto reply = app::request_admin(broker.producers_endpoint(), "pause", args, 3000ms);
    REQUIRE(reply);
    CHECK(reply->ok);
    CHECK(reply->reply == R"({"command": "pause", "args": {"pipeline": "nightly"}})");
    CHECK(reply->code.empty());
    CHECK(service->calls() == 1);
}

TEST_CASE("An embedded broker without a service answers ADMIN with UNSUPPORTED") {
    app::EmbeddedBroker broker(loopback_config());
    const auto reply = app::request_admin(broker.producers_endpoint(), "runs", "{}", 3000ms);
    REQUIRE(reply);
    CHECK_FALSE(reply->ok);
    CHECK(reply->code == "UNSUPPORTED");
    CHECK(reply->reply.find("ferry serve") != std::string::npos);
}

TEST_CASE("A request nobody answers comes back empty once the timeout has passed") {
    // Bound and never served: the request waits in the socket, so the timeout decides.
    zmq::context_t context(1);
    zmq::socket_t silent(context, zmq::socket_type::router);
    silent.bind("tcp://127.0.0.1:*");
    const std::string endpoint = silent.get(zmq::sockopt::last_endpoint);
    const auto started = std::chrono::steady_clock::now();
    CHECK_FALSE(app::request_admin(endpoint, "runs", "{}", 200ms));
    CHECK(std::chrono::steady_clock::now() - started >= 200ms);
}
