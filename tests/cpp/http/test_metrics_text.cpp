// /metrics text from a status: families, cumulative buckets, escaping, the scheduler's part.
#include "ferry/http/metrics_text.hpp"

#include <catch2/catch.hpp>

using namespace ferry::http;

namespace {

const char* const status_json = R"({
  "uptime_s": 12.5,
  "workers": [{"worker": "h:1:0", "host": "h", "pid": 1, "types": {"echo": 8}, "credit": 7,
               "in_flight": 1, "last_heartbeat_ms_ago": 10}],
  "queues": {"echo": 3, "ty\"pe": 0},
  "pending": 4, "in_flight": 1, "done": 90, "failed": 2, "cancelled": 1, "accepted": 97,
  "retries": 5, "timeouts": 1, "dead_letters_total": 2, "redriven": 0, "duplicate_submits": 0,
  "duplicates_dropped": 0, "workers_lost": 0, "malformed_messages": 6, "rejected_batches": 0,
  "outcomes_kept": 3, "journal_full": true, "journal_full_rejects": 9,
  "security": {"curve": true, "insecure": false, "refused_unknown_key": 4,
               "refused_wrong_role": 2, "forbidden_messages": 7, "producer_keys": 3,
               "worker_keys": 5, "admin_keys": 1},
  "metrics": {
    "queue_oldest_s": {"echo": 1.5},
    "batch_size": {"bounds": [1, 2, 4], "counts": [3, 0, 2, 1], "sum": 20, "count": 6},
    "queue_wait_s": {"bounds": [0.001], "counts": [1, 1], "sum": 0.5, "count": 2},
    "handler_s": {"bounds": [0.001], "counts": [0, 0], "sum": 0, "count": 0},
    "journal": {"bytes": 4096, "segments": 1,
                "fsync_s": {"bounds": [0.001], "counts": [4, 0], "sum": 0.002, "count": 4}}
  }
})";

MetricsSources sources() {
    MetricsSources given;
    given.status_json = status_json;
    given.requests[{"/v1/jobs", 202}] = 11;
    given.version = "1.2.3";
    given.commit = "abc";
    given.service = "broker";
    return given;
}

bool has_line(const std::string& text, const std::string& line) {
    return text.find("\n" + line + "\n") != std::string::npos || text.starts_with(line + "\n");
}

} // namespace

TEST_CASE("metrics carry the status's figures under Prometheus names") {
    const std::string text = metrics_text(sources());
    CHECK(has_line(text, R"(ferry_build_info{version="1.2.3",commit="abc",service="broker"} 1)"));
    CHECK(has_line(text, R"(ferry_queue_depth{type="echo"} 3)"));
    CHECK(has_line(text, R"(ferry_queue_oldest_age_seconds{type="echo"} 1.5)"));
    CHECK(has_line(text, "ferry_workers_online 1"));
    CHECK(has_line(text, R"(ferry_worker_credit{worker="h:1:0",host="h"} 7)"));
    CHECK(has_line(text, R"(ferry_jobs_completed_total{outcome="ok"} 90)"));
    CHECK(has_line(text, R"(ferry_jobs_completed_total{outcome="cancelled"} 1)"));
    CHECK(has_line(text, "ferry_jobs_submitted_total 97"));
    CHECK(has_line(text, "ferry_jobs_dead_lettered_total 2"));
    CHECK(has_line(text, "ferry_malformed_messages_total 6"));
    CHECK(has_line(text, "ferry_journal_disk_full 1"));
    CHECK(has_line(text, "ferry_journal_bytes 4096"));
    CHECK(has_line(text, R"(ferry_http_requests_total{route="/v1/jobs",code="202"} 11)"));
    CHECK(has_line(text, "# TYPE ferry_jobs_completed_total counter"));
    CHECK(text.find("ferry_scheduler") == std::string::npos); // no service: no scheduler part
}

TEST_CASE("histogram buckets are cumulative and end with +Inf, sum and count") {
    const std::string text = metrics_text(sources());
    CHECK(has_line(text, "# TYPE ferry_dispatch_batch_jobs histogram"));
    CHECK(has_line(text, R"(ferry_dispatch_batch_jobs_bucket{le="1"} 3)"));
    CHECK(has_line(text, R"(ferry_dispatch_batch_jobs_bucket{le="2"} 3)"));
    CHECK(has_line(text, R"(ferry_dispatch_batch_jobs_bucket{le="4"} 5)"));
    CHECK(has_line(text, R"(ferry_dispatch_batch_jobs_bucket{le="+Inf"} 6)"));
    CHECK(has_line(text, "ferry_dispatch_batch_jobs_sum 20"));
    CHECK(has_line(text, "ferry_dispatch_batch_jobs_count 6"));
    CHECK(has_line(text, R"(ferry_journal_fsync_duration_seconds_bucket{le="0.001"} 4)"));
}

TEST_CASE("label values are escaped") {
    const std::string text = metrics_text(sources());
    CHECK(has_line(text, R"(ferry_queue_depth{type="ty\"pe"} 0)"));
}

TEST_CASE("the scheduler's fires and last fire appear under ferry serve") {
    MetricsSources given = sources();
    given.service = "serve";
    given.scheduler_json = R"({"pipelines": [
        {"name": "nightly", "paused": true, "last_fire_unix": 1764900000,
         "runs": {"succeeded": 3, "failed": 1, "running": 1}},
        {"name": "never", "paused": false, "last_fire_unix": null, "runs": {}}]})";
    const std::string text = metrics_text(given);
    CHECK(
        has_line(text, R"(ferry_scheduler_fires_total{pipeline="nightly",outcome="succeeded"} 3)"));
    CHECK(has_line(text, R"(ferry_scheduler_fires_total{pipeline="nightly",outcome="failed"} 1)"));
    CHECK(text.find(R"(outcome="running")") == std::string::npos); // not an ending
    CHECK(
        has_line(text, R"(ferry_scheduler_runs_unfinished{pipeline="nightly",state="running"} 1)"));
    CHECK(has_line(
        text, R"(ferry_scheduler_last_fire_timestamp_seconds{pipeline="nightly"} 1764900000)"));
    CHECK(text.find(R"(ferry_scheduler_last_fire_timestamp_seconds{pipeline="never"})") ==
          std::string::npos);
    CHECK(has_line(text, R"(ferry_scheduler_paused{pipeline="nightly"} 1)"));
}

TEST_CASE("a status that is not a JSON object is refused") {
    MetricsSources given = sources();
    given.status_json = "[1, 2]";
    CHECK_THROWS_AS(metrics_text(given), MetricsInputError);
}

TEST_CASE("a job type that is not UTF-8 is repaired instead of breaking the scrape") {
    MetricsSources given = sources();
    given.status_json = R"({"queues": {"ok": 1, "bad)"
                        "\xff\xfe"
                        R"(type": 2}})";
    const std::string text = metrics_text(given);
    CHECK(has_line(text, "ferry_queue_depth{type=\"bad\xef\xbf\xbd\xef\xbf\xbdtype\"} 2"));
    CHECK(has_line(text, R"(ferry_queue_depth{type="ok"} 1)"));
}

TEST_CASE("CURVE refusals and allow-list sizes become their own families") {
    const std::string text = metrics_text(sources());
    CHECK(has_line(text, "ferry_curve_enabled 1"));
    CHECK(has_line(text, "ferry_insecure 0"));
    CHECK(has_line(text, R"(ferry_auth_refused_total{reason="unknown_key"} 4)"));
    CHECK(has_line(text, R"(ferry_auth_refused_total{reason="wrong_role"} 2)"));
    CHECK(has_line(text, "ferry_auth_forbidden_messages_total 7"));
    CHECK(has_line(text, R"(ferry_allowed_keys{role="worker"} 5)"));
    CHECK(has_line(text, "# TYPE ferry_auth_refused_total counter"));
}
