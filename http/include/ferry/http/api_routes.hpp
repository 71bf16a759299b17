// The JSON API v1 route groups (docs/http-api.md describes each route).
#pragma once

#include "ferry/http/gateway.hpp"
#include "ferry/http/route_context.hpp"
#include "ferry/http/throughput_history.hpp"

#include <httplib.h>

namespace ferry::http {

// POST /v1/jobs, GET /v1/jobs/{id}, POST /v1/jobs/{id}/cancel.
void add_job_routes(httplib::Server& server, RouteContext& context, Gateway& gateway);
// POST /v1/batches, GET /v1/batches/{id}, .../results (NDJSON), .../events (SSE).
void add_batch_routes(httplib::Server& server, RouteContext& context, Gateway& gateway);
// Dead letters, pipelines (under `ferry serve`), /healthz/live and /healthz/ready.
void add_admin_routes(httplib::Server& server, RouteContext& context, Gateway& gateway);
// GET /v1/status, /metrics, and the status page: /, /assets/{file}, /favicon.ico.
void add_status_routes(httplib::Server& server, RouteContext& context, Gateway& gateway,
                       const ThroughputHistory& history);

} // namespace ferry::http
