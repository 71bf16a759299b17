// Single jobs: submit (with Idempotency-Key), fetch or long-poll the outcome, cancel.
#include "ferry/http/api_routes.hpp"
#include "ferry/http/job_request.hpp"
#include "ferry/http/problem.hpp"
#include "ferry/producer/msgpack_json.hpp"
#include "route_support.hpp"

#include <fmt/format.h>
#include <random>

namespace ferry::http {
namespace {

constexpr auto submit_timeout = std::chrono::seconds(30); // longest wait for ACCEPTED
constexpr auto longest_wait = std::chrono::minutes(5);    // cap on ?wait=

std::string random_id() {
    thread_local std::mt19937_64 engine{std::random_device{}()};
    return fmt::format("{:016x}{:08x}", engine(), static_cast<std::uint32_t>(engine()));
}

std::string accepted_body(const std::string& id, bool duplicate) {
    std::string body = "{\"id\":";
    producer::append_json_string(id, body);
    body += ",\"status_url\":";
    producer::append_json_string("/v1/jobs/" + id, body);
    body += duplicate ? ",\"duplicate\":true}" : "}";
    return body;
}

// Submits one job and waits for the broker's word. Returns the HTTP status sent.
int submit_one(Gateway& gateway, wire::SubmitJob job, httplib::Response& response) {
    const std::string id = job.id;
    gateway.store().add_pending({id}, {job.type}, "");
    std::vector<wire::SubmitJob> jobs;
    jobs.push_back(std::move(job));
    auto future = gateway.link().submit(std::move(jobs));
    if (future.wait_for(submit_timeout) != std::future_status::ready) {
        response.set_header("Retry-After", "1");
        send_problem(response, 503, "/problems/unavailable", "The broker did not answer",
                     "no answer to the submission within 30 s; retry with the same "
                     "Idempotency-Key (or id) so the job cannot run twice");
        return 503;
    }
    const SubmitAnswer answer = future.get();
    if (!answer.accepted) {
        gateway.store().remove_pending({id});
        send_refusal(response, answer);
        return response.status;
    }
    response.set_header("Location", "/v1/jobs/" + id);
    send_json(response, 202, accepted_body(id, answer.duplicates > 0));
    return 202;
}

// With ?wait=, a POST that was accepted waits for the outcome like a long poll: 200 with it when
// it came in time (the outcome counts as fetched), else the 202 stands.
void await_outcome(const std::string& id, std::optional<std::chrono::milliseconds> wait,
                   httplib::Response& response, Gateway& gateway) {
    if (!wait || response.status != 202) {
        return;
    }
    const auto job = gateway.store().wait(
        id, SteadyClock::now() + std::min<std::chrono::milliseconds>(*wait, longest_wait));
    if (job && job->done) {
        gateway.store().mark_fetched(id);
        send_json(response, 200, job->outcome_json);
    }
}

void post_job(const httplib::Request& request, httplib::Response& response, Gateway& gateway) {
    std::optional<std::chrono::milliseconds> wait;
    if (request.has_param("wait")) {
        wait = parse_wait(request.get_param_value("wait"));
        if (!wait) {
            send_problem(response, 400, "/problems/invalid-parameter", "Invalid parameter",
                         "wait must be a duration such as 30s, 500ms or 2m");
            return;
        }
    }
    thread_local simdjson::dom::parser parser;
    simdjson::dom::element value;
    if (!parse_json_body(request.body, response, parser, value)) {
        return;
    }
    wire::SubmitJob job;
    if (auto error = read_job(value, job)) {
        send_problem(response, 400, "/problems/invalid-job", "Invalid job",
                     error->field.empty() ? error->detail
                                          : "field '" + error->field + "' " + error->detail,
                     {{"field", "\"" + error->field + "\""}});
        return;
    }
    const std::string key = request.get_header_value("Idempotency-Key");
    if (key.empty()) {
        if (job.id.empty()) {
            job.id = random_id();
        }
        const std::string id = job.id;
        (void)submit_one(gateway, std::move(job), response);
        await_outcome(id, wait, response, gateway);
        return;
    }
    if (key.size() > 255) {
        send_problem(response, 400, "/problems/invalid-idempotency-key", "Invalid Idempotency-Key",
                     "an Idempotency-Key is at most 255 bytes");
        return;
    }
    const KeyClaim claim = gateway.keys().claim("jobs", key, sha256_hex(request.body));
    switch (claim.state) {
    case KeyState::replay:
        response.status = claim.status;
        response.set_content(claim.body, "application/json");
        return;
    case KeyState::conflict:
        send_problem(response, 422, "/problems/idempotency-key-reused",
                     "Idempotency-Key reused with another body",
                     "this Idempotency-Key was first used with a different request body; use a "
                     "new key for a new job");
        return;
    case KeyState::in_progress:
        send_problem(response, 409, "/problems/idempotency-key-in-progress",
                     "Request with this Idempotency-Key in progress",
                     "the first request with this Idempotency-Key is still being answered; retry "
                     "in a moment");
        return;
    case KeyState::fresh:
        break;
    }
    // The id follows from the key, so even a retry the key table no longer remembers (after a
    // restart) is the broker's duplicate, never a second run.
    if (job.id.empty()) {
        job.id = "k-" + sha256_hex(key).substr(0, 32);
    }
    const std::string id = job.id;
    const int status = submit_one(gateway, std::move(job), response);
    if (status == 202) {
        gateway.keys().complete("jobs", key, status, response.body); // a retry gets the 202
    } else {
        gateway.keys().release("jobs", key);
    }
    await_outcome(id, wait, response, gateway);
}

void get_job(const httplib::Request& request, httplib::Response& response, Gateway& gateway) {
    const std::string id = request.matches[1];
    std::optional<JobSnapshot> job;
    if (request.has_param("wait")) {
        const auto wait = parse_wait(request.get_param_value("wait"));
        if (!wait) {
            send_problem(response, 400, "/problems/invalid-parameter", "Invalid parameter",
                         "wait must be a duration such as 30s, 500ms or 2m");
            return;
        }
        job = gateway.store().wait(
            id, SteadyClock::now() + std::min<std::chrono::milliseconds>(*wait, longest_wait));
    } else {
        job = gateway.store().find(id);
    }
    if (!job) {
        send_problem(response, 404, "/problems/not-found", "No such job",
                     "no job '" + id +
                         "' was submitted here, or its outcome was fetched and forgotten or "
                         "expired (see http.retention)");
        return;
    }
    if (!job->done) {
        std::string body = "{\"id\":";
        producer::append_json_string(id, body);
        body += ",\"status\":\"pending\"}";
        response.set_header("Retry-After", "1");
        send_json(response, 202, std::move(body));
        return;
    }
    gateway.store().mark_fetched(id);
    send_json(response, 200, job->outcome_json);
}

void cancel_job(const httplib::Request& request, httplib::Response& response, RouteContext& context,
                Gateway& gateway) {
    const std::string id = request.matches[1];
    // ?client= names another producer's job (a ZeroMQ producer's, say); the default is ours.
    const std::string client =
        request.has_param("client") ? request.get_param_value("client") : gateway.config().client;
    std::string args = "{\"client\":";
    producer::append_json_string(client, args);
    args += ",\"id\":";
    producer::append_json_string(id, args);
    args += '}';
    try {
        send_admin_reply(response, context.broker.admin("cancel", args), 202, true);
    } catch (const LinkError& error) {
        send_link_error(response, error);
    }
}

} // namespace

void add_job_routes(httplib::Server& server, RouteContext& context, Gateway& gateway) {
    server.Post(R"(/v1/jobs)",
                [&gateway](const httplib::Request& request, httplib::Response& response) {
                    post_job(request, response, gateway);
                });
    server.Get(R"(/v1/jobs/([^/]+))",
               [&gateway](const httplib::Request& request, httplib::Response& response) {
                   get_job(request, response, gateway);
               });
    server.Post(R"(/v1/jobs/([^/]+)/cancel)",
                [&context, &gateway](const httplib::Request& request, httplib::Response& response) {
                    cancel_job(request, response, context, gateway);
                });
}

} // namespace ferry::http
