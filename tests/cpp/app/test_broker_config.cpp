// Loading the broker's YAML sections: defaults, overrides, unknown keys, environment.
#include "ferry/app/broker_config.hpp"
#include "ferry/app/config_keys.hpp"
#include "temp_dir.hpp"

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <tuple>

using namespace ferry::broker;
using namespace ferry::app;

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
    CHECK_FALSE(config.type("anything").batch.has_value()); // as the handlers announce
}

TEST_CASE("Per-type keys override the default type and inherit the rest") {
    const auto config = parse_broker_config(R"(
job_types:
  echo: {batch: {max_size: 64, max_delay_ms: 2}}
  default: {timeout_s: 5, max_attempts: 4, non_retryable: [RETRY]}
)",
                                            "test.yaml");
    const auto& echo = config.type("echo");
    REQUIRE(echo.batch.has_value());
    CHECK(echo.batch->max_size == 64);
    CHECK(echo.batch->max_delay_ms == 2);
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
               Catch::Contains("'broker.journal.fsync' must be one of always | interval_ms | off"));
    CHECK_THAT(error_of("broker: {journal: {pth: x}}"),
               Catch::Contains("unknown key 'pth' in 'broker.journal'; did you mean 'path'?"));
}

TEST_CASE("A zero where zero means nothing names the key's own file:line:col") {
    // (yaml, the key's position, the key)
    using Case = std::tuple<std::string, std::string, std::string>;
    const auto [yaml, at, key] = GENERATE(
        Case{"broker:\n  heartbeat_ms: 0\n", "test.yaml:2:17", "broker.heartbeat_ms"},
        Case{"broker:\n  liveness: 0\n", "test.yaml:2:13", "broker.liveness"},
        Case{"broker:\n  max_pending: 0\n", "test.yaml:2:16", "broker.max_pending"},
        Case{"broker:\n  max_payload_bytes: 0\n", "test.yaml:2:22", "broker.max_payload_bytes"},
        Case{"broker:\n  journal:\n    interval_ms: 0\n", "test.yaml:3:18",
             "broker.journal.interval_ms"},
        Case{"broker:\n  journal:\n    segment_bytes: 10\n", "test.yaml:3:20",
             "broker.journal.segment_bytes"},
        Case{"job_types:\n  echo:\n    max_attempts: 0\n", "test.yaml:3:19",
             "job_types.echo.max_attempts"},
        Case{"job_types:\n  echo:\n    batch: {max_size: 0}\n", "test.yaml:3:23",
             "job_types.echo.batch.max_size"});
    const auto message = error_of(yaml);
    CHECK_THAT(message, Catch::StartsWith(at + ": '" + key + "' must be at least"));
}

TEST_CASE("A backoff multiplier or jitter that is not a finite number in range is refused") {
    CHECK_THAT(
        error_of("job_types: {echo: {backoff: {multiplier: .nan}}}"),
        Catch::Contains("'job_types.echo.backoff.multiplier' must be a number from 1 to 1000"));
    CHECK_THAT(error_of("job_types: {echo: {backoff: {multiplier: 0}}}"),
               Catch::Contains("'job_types.echo.backoff.multiplier'"));
    CHECK_THAT(error_of("job_types: {echo: {backoff: {jitter: .inf}}}"),
               Catch::Contains("'job_types.echo.backoff.jitter' must be a number from 0 to 1"));
}

TEST_CASE("An http endpoint in the config names its position and suggests tcp") {
    const auto message = error_of("broker:\n  workers_endpoint: http://0.0.0.0:5556\n");
    CHECK_THAT(message,
               Catch::StartsWith("test.yaml:2:21: 'broker.workers_endpoint' http://0.0.0.0:5556 "
                                 "is not a ZeroMQ endpoint; use tcp://0.0.0.0:5556"));
}

TEST_CASE("An http endpoint in the environment names the variable") {
    setenv("FERRY_PRODUCERS_ENDPOINT", "http://127.0.0.1:5555", 1);
    const auto message = error_of("");
    unsetenv("FERRY_PRODUCERS_ENDPOINT");
    CHECK_THAT(message, Catch::Contains("(FERRY_PRODUCERS_ENDPOINT); use tcp://127.0.0.1:5555"));
}

TEST_CASE("A misspelled top-level section is refused with the nearest section") {
    CHECK_THAT(error_of("brokr:\n  liveness: 4\n"),
               Catch::StartsWith("test.yaml:1:1: unknown key 'brokr' in '(top level)'; did you "
                                 "mean 'broker'?"));
    CHECK_THAT(error_of("job_types: {}\nzzzzzzzzzz: 1\n"), Catch::Contains("valid keys: broker,"));
}

TEST_CASE("A key given twice is refused naming both lines, at any depth") {
    CHECK_THAT(error_of("broker: {liveness: 4}\nbroker: {liveness: 5}\n"),
               Catch::StartsWith("test.yaml:2:1: duplicate key 'broker' (first on line 1)"));
    CHECK_THAT(error_of("broker:\n  liveness: 4\n  liveness: 5\n"),
               Catch::StartsWith("test.yaml:3:3: duplicate key 'liveness' (first on line 2)"));
    CHECK_THAT(error_of("job_types:\n  echo:\n    batch:\n      max_size: 2\n"
                        "      max_size: 3\n"),
               Catch::StartsWith("test.yaml:5:7: duplicate key 'max_size' (first on line 4)"));
    CHECK_THAT(error_of("workers:\n  - {handlers: a, handlers: b}\n"),
               Catch::Contains("duplicate key 'handlers'"));
}

TEST_CASE("A key that is a list or a map is refused instead of crashing the reader") {
    CHECK_THAT(error_of("broker:\n  [a, b]: 1\n"),
               Catch::StartsWith("test.yaml:2:3: a key must be a plain name"));
}

TEST_CASE("A config path that is a directory, missing or empty is refused saying which") {
    ferry::test::TempDir dir;
    std::filesystem::create_directory(dir.path("conf"));
    CHECK_THROWS_WITH(load_broker_config(dir.path("conf")), Catch::Contains("is a directory"));
    CHECK_THROWS_WITH(load_broker_config(dir.path("absent.yaml")), Catch::Contains("no such file"));
    CHECK_THROWS_WITH(load_broker_config(dir.write("empty.yaml", "\n  \n")),
                      Catch::Contains("is empty"));
    CHECK_NOTHROW(load_broker_config(dir.write("comments.yaml", "# defaults only\n")));
}

TEST_CASE("A journal path that is a file is refused naming the key and the file") {
    ferry::test::TempDir dir;
    dir.write("not-a-dir", "x");
    const auto config = dir.write("b.yaml", "broker: {journal: {path: not-a-dir/segments}}\n");
    CHECK_THROWS_WITH(
        load_broker_config(config),
        Catch::Contains("is not a directory (broker.journal.path in " + config + ")"));
    CHECK_NOTHROW(load_broker_config(dir.write("ok.yaml", "broker: {journal: {path: j/k}}\n")));
}

TEST_CASE("A duration beyond a year is refused, so no deadline can overflow the clock") {
    CHECK_THAT(error_of("job_types: {echo: {batch: {max_delay_ms: 99999999999999999}}}"),
               Catch::Contains("'job_types.echo.batch.max_delay_ms' must be at most 31536000000"));
    CHECK_THAT(error_of("job_types: {default: {timeout_s: 18446744073709551615}}"),
               Catch::Contains("'job_types.default.timeout_s' must be at most 31536000"));
    CHECK_THAT(error_of("broker: {liveness: 5000}"),
               Catch::Contains("'broker.liveness' must be at most"));
}
