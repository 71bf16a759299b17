// Loading the broker's YAML sections: defaults, overrides, unknown keys, environment.
#include "ferry/broker/broker_config.hpp"
#include "ferry/broker/config_keys.hpp"

#include <catch2/catch.hpp>
#include <cstdlib>

using namespace ferry::broker;

namespace {
std::string error_of(const std::string& yaml) {
    try {
        (void)parse_broker_config(yaml, "test.yaml");
    } catch (const ConfigError& error) {
        return error.what();
    }
    return "";
}
} // namespace

TEST_CASE("An empty file gives every default") {
    const auto config = parse_broker_config("", "test.yaml");
    CHECK(config.heartbeat_ms == 1000);
    CHECK(config.liveness == 3);
    CHECK(config.max_pending == 1000000);
    CHECK(config.max_payload_bytes == 16777216);
    CHECK(config.default_type.max_attempts == 3);
    CHECK(config.type("anything").batch.max_size == 1);
}

TEST_CASE("Per-type keys override the default type and inherit the rest") {
    const auto config = parse_broker_config(R"(
job_types:
  echo: {batch: {max_size: 64, max_delay_ms: 2}}
  default: {timeout_s: 5, max_attempts: 4, non_retryable: [RETRY]}
)",
                                            "test.yaml");
    const auto& echo = config.type("echo");
    CHECK(echo.batch.max_size == 64);
    CHECK(echo.batch.max_delay_ms == 2);
    CHECK(echo.timeout_s == 5);
    CHECK(echo.max_attempts == 4);
    CHECK(echo.non_retryable == std::vector<std::string>{"RETRY"});
}

TEST_CASE("Top-level sections of other commands are accepted and ignored") {
    const auto config = parse_broker_config("workers: {python: x}\ninput: {path: y}\n"
                                            "broker: {liveness: 5}\n",
                                            "test.yaml");
    CHECK(config.liveness == 5);
}

TEST_CASE("An unknown key names file, line, column and the nearest valid key") {
    const auto message = error_of("broker:\n  heartbeat: 100\n");
    CHECK(message.find("test.yaml:2:3") != std::string::npos);
    CHECK(message.find("'heartbeat'") != std::string::npos);
    CHECK(message.find("did you mean 'heartbeat_ms'") != std::string::npos);
}

TEST_CASE("An unknown key inside a job type's batch is an error") {
    const auto message = error_of("job_types:\n  echo: {batch: {max_sise: 3}}\n");
    CHECK(message.find("max_sise") != std::string::npos);
    CHECK(message.find("max_size") != std::string::npos);
}

TEST_CASE("Wrong value types and out-of-range values are errors") {
    CHECK_FALSE(error_of("broker: {liveness: -1}").empty());
    CHECK_FALSE(error_of("broker: {liveness: three}").empty());
    CHECK_FALSE(error_of("job_types: {default: {max_attempts: 0}}").empty());
    CHECK_FALSE(error_of("job_types: {echo: {batch: {max_size: 0}}}").empty());
    CHECK_FALSE(error_of("broker: [1, 2]").empty());
    CHECK_FALSE(error_of("broker: {liveness: [").empty());
}

TEST_CASE("Environment variables override the endpoints") {
    setenv("FERRY_PRODUCERS_ENDPOINT", "ipc:///tmp/ferry-p", 1);
    const auto config = parse_broker_config("broker: {producers_endpoint: tcp://*:1}", "t.yaml");
    unsetenv("FERRY_PRODUCERS_ENDPOINT");
    CHECK(config.producers_endpoint == "ipc:///tmp/ferry-p");
    CHECK(config.workers_endpoint == "tcp://127.0.0.1:5556");
}

TEST_CASE("A missing file is a configuration error naming the path") {
    CHECK_THROWS_WITH(load_broker_config("/nonexistent/ferry.yaml"),
                      Catch::Contains("/nonexistent/ferry.yaml"));
}

TEST_CASE("The nearest name is only suggested when it is close") {
    CHECK(edit_distance("kitten", "sitting") == 3);
    CHECK(nearest_name("livenes", {"liveness", "heartbeat_ms"}) == "liveness");
    CHECK(nearest_name("zzzzzzzz", {"liveness", "heartbeat_ms"}).empty());
}

TEST_CASE("The journal is off by default and its keys are read and checked") {
    CHECK(parse_broker_config("", "test.yaml").journal.path.empty());
    const auto config = parse_broker_config(
        "broker: {journal: {path: /var/ferry, fsync: always, interval_ms: 5, segment_bytes: 8192}}",
        "test.yaml");
    CHECK(config.journal.path == "/var/ferry");
    CHECK(config.journal.fsync == FsyncPolicy::always);
    CHECK(config.journal.interval_ms == 5);
    CHECK(config.journal.segment_bytes == 8192);
    CHECK_THAT(error_of("broker: {journal: {fsync: sometimes}}"),
               Catch::Contains("must be one of always, interval_ms, off"));
    CHECK_THAT(error_of("broker: {journal: {pth: x}}"),
               Catch::Contains("unknown key 'pth' in 'broker.journal' (did you mean 'path'?)"));
}
