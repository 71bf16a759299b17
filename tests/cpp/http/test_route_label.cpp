// Route labels for ferry_http_requests_total stay few.
#include "ferry/http/route_label.hpp"

#include <catch2/catch.hpp>

using ferry::http::route_label;

TEST_CASE("paths become route patterns without ids") {
    CHECK(route_label("/v1/jobs") == "/v1/jobs");
    CHECK(route_label("/v1/jobs/abc-123") == "/v1/jobs/{id}");
    CHECK(route_label("/v1/jobs/abc/cancel") == "/v1/jobs/{id}/cancel");
    CHECK(route_label("/v1/batches/b1/results") == "/v1/batches/{id}/results");
    CHECK(route_label("/v1/pipelines/scans/backfill") == "/v1/pipelines/{name}/backfill");
    CHECK(route_label("/metrics") == "/metrics");
    CHECK(route_label("/") == "/");
}

TEST_CASE("anything else is one label, whatever clients send") {
    CHECK(route_label("/wp-admin/login.php") == "unmatched");
    CHECK(route_label("/v1/jobs/a/b/c/d") == "unmatched");
    CHECK(route_label("/v1/jobs/a/delete") == "unmatched");
    CHECK(route_label("/v2/jobs") == "unmatched");
}
