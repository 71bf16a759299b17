// Retry decisions: retryable codes, per-type exceptions, attempts, backoff with jitter.
#include "ferry/broker/retry_policy.hpp"

#include <catch2/catch.hpp>

using namespace ferry::broker;

namespace {
ferry::wire::Error error(const std::string& code) {
    return ferry::wire::Error{code, "m", std::nullopt, std::nullopt, std::nullopt};
}
} // namespace

TEST_CASE("Backoff grows exponentially and is capped") {
    BackoffConfig backoff{100, 1000, 2.0, 0.0};
    CHECK(backoff_delay(backoff, 1, 0.5) == Millis(100));
    CHECK(backoff_delay(backoff, 2, 0.5) == Millis(200));
    CHECK(backoff_delay(backoff, 3, 0.5) == Millis(400));
    CHECK(backoff_delay(backoff, 10, 0.5) == Millis(1000));
}

TEST_CASE("Jitter spreads the delay by the configured fraction") {
    BackoffConfig backoff{100, 1000, 2.0, 0.2};
    CHECK(backoff_delay(backoff, 1, 0.0) == Millis(80));
    CHECK(backoff_delay(backoff, 1, 0.5) == Millis(100));
    CHECK(backoff_delay(backoff, 1, 0.999999) == Millis(120));
}

TEST_CASE("Retryable codes are retried while attempts remain") {
    JobTypeConfig type;
    type.backoff = {100, 1000, 2.0, 0.0};
    CHECK(decide_retry(error("HANDLER_ERROR"), 1, 3, type, 0.5).retry);
    CHECK(decide_retry(error("WORKER_LOST"), 2, 3, type, 0.5).retry);
    CHECK_FALSE(decide_retry(error("TIMEOUT"), 3, 3, type, 0.5).retry);
}

TEST_CASE("Non-retryable codes fail at once, including unknown codes") {
    JobTypeConfig type;
    CHECK_FALSE(decide_retry(error("INVALID_ARGUMENT"), 1, 3, type, 0.5).retry);
    CHECK_FALSE(decide_retry(error("PAYLOAD_TOO_LARGE"), 1, 3, type, 0.5).retry);
    CHECK_FALSE(decide_retry(error("SOMETHING_NEW"), 1, 3, type, 0.5).retry);
}

TEST_CASE("A job type can make more codes non-retryable") {
    JobTypeConfig type;
    type.non_retryable = {"HANDLER_ERROR"};
    CHECK_FALSE(decide_retry(error("HANDLER_ERROR"), 1, 3, type, 0.5).retry);
    CHECK(decide_retry(error("TIMEOUT"), 1, 3, type, 0.5).retry);
}

TEST_CASE("A RETRY error's retry_after_ms is honoured as the least delay") {
    JobTypeConfig type;
    type.backoff = {10, 1000, 2.0, 0.0};
    auto retry = error("RETRY");
    retry.retry_after_ms = 500;
    const auto decision = decide_retry(retry, 1, 3, type, 0.5);
    CHECK(decision.retry);
    CHECK(decision.delay == Millis(500));
}
