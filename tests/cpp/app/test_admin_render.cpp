// The human rendering of the pipeline commands' replies, and the JSON of their arguments.
#include "ferry/app/admin_client.hpp"
#include "ferry/app/admin_render.hpp"

#include <catch2/catch.hpp>
#include <sstream>
#include <stdexcept>

using namespace ferry::app;

namespace {
const char* const two_pipelines = R"({"pipelines": [
  {"name": "nightly", "schedule": "0 2 * * *", "paused": true,
   "next_nominal": "2026-12-04T02:00:00Z", "runs": [
     {"run_id": "nightly-20261203T0200Z", "pipeline": "nightly",
      "nominal": "2026-12-03T02:00:00Z", "reason": "schedule", "state": "failed",
      "started": "2026-12-03T02:00:01Z", "ended": "2026-12-03T02:10:00Z", "ok": 98,
      "failed": 2, "total": 100, "output": "out/nightly.jsonl", "message": "2 jobs failed"},
     {"run_id": "nightly-20261202T0200Z", "pipeline": "nightly",
      "nominal": "2026-12-02T02:00:00Z", "reason": "trigger", "state": "running",
      "started": "2026-12-02T02:00:01Z", "ended": null, "ok": 5, "failed": 0, "total": 10,
      "output": "out/n2.jsonl", "message": null}]},
  {"name": "hourly", "schedule": "every 1h", "paused": false, "next_nominal": null,
   "error": "input file missing", "runs": []}]})";

std::string render(const std::string& json) {
    std::ostringstream out;
    write_runs_table(out, json);
    return out.str();
}

bool has(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}
} // namespace

TEST_CASE("The runs table shows each pipeline's schedule, pause, next time and error") {
    const std::string table = render(two_pipelines);
    CHECK(has(table, "nightly   schedule 0 2 * * *   PAUSED   next 2026-12-04T02:00:00Z\n"));
    CHECK(has(table, "hourly   schedule every 1h   next -\n"));
    CHECK(has(table, "  error: input file missing\n"));
    CHECK(has(table, "  no runs\n"));
}

TEST_CASE("The runs table has one row per run with counts, times, output and its message") {
    const std::string table = render(two_pipelines);
    CHECK(has(table, "OK/FAILED/TOTAL"));
    CHECK(has(table, "nightly-20261203T0200Z"));
    CHECK(has(table, "98/2/100"));
    CHECK(has(table, "out/nightly.jsonl\n"));
    CHECK(has(table, "    2 jobs failed\n"));
    CHECK(has(table, "5/0/10"));
    // A run not ended shows "-", never "null".
    CHECK_FALSE(has(table, "null"));
    CHECK(table.find("nightly-20261203T0200Z") < table.find("nightly-20261202T0200Z"));
}

TEST_CASE("A runs reply that is not the expected JSON is an error naming the problem") {
    CHECK_THROWS_WITH(render("not json"), Catch::Contains("not JSON"));
    CHECK_THROWS_WITH(render(R"({"runs": []})"), Catch::Contains("no \"pipelines\" list"));
    CHECK(render(R"({"pipelines": []})") == "no pipelines\n");
}

TEST_CASE("A confirmation reply is printed as its message") {
    CHECK(reply_message(R"({"message": "paused nightly", "pipeline": "nightly"})") ==
          "paused nightly");
    CHECK_THROWS_AS(reply_message(R"({"pipeline": "nightly"})"), std::runtime_error);
}

TEST_CASE("Request arguments are one JSON object with keys in call order and strings escaped") {
    CHECK(AdminArgs().json() == "{}");
    const std::string json = AdminArgs()
                                 .text("pipeline", "a \"quoted\" name\n")
                                 .number("limit", 20)
                                 .flag("dry_run", true)
                                 .json();
    CHECK(json == R"({"pipeline": "a \"quoted\" name\n", "limit": 20, "dry_run": true})");
}
