// Batches: many jobs in one request (NDJSON or a JSON array), their counts, their outcomes
// streamed as NDJSON, and their progress as server-sent events.
#include "ferry/http/api_routes.hpp"
#include "ferry/http/job_request.hpp"
#include "ferry/http/problem.hpp"
#include "ferry/producer/msgpack_json.hpp"
#include "route_support.hpp"

#include <fmt/format.h>
#include <random>
#include <thread>
#include <unordered_map>

namespace ferry::http {
namespace {

constexpr std::size_t jobs_per_submit = 10000;                  // one SUBMIT's share of a batch
constexpr auto full_broker_patience = std::chrono::seconds(30); // retrying QUEUE_FULL chunks
constexpr auto stream_step = std::chrono::milliseconds(500);    // longest silence in a stream

std::string random_batch_id() {
    thread_local std::mt19937_64 engine{std::random_device{}()};
    return fmt::format("b{:016x}", engine());
}

// Reads every job of the body; on the first bad one sends 400 naming its line (NDJSON) or
// index (array) and returns false.
bool read_jobs(const httplib::Request& request, httplib::Response& response,
               std::vector<wire::SubmitJob>& jobs) {
    thread_local simdjson::dom::parser parser;
    const std::string type = request.get_header_value("Content-Type");
    const bool ndjson = type.starts_with("application/x-ndjson") ||
                        type.starts_with("application/jsonl") ||
                        type.starts_with("application/ndjson");
    auto refuse = [&](const std::string& where, const JobRequestError& error) {
        send_problem(response, 400, "/problems/invalid-job", "Invalid job in batch",
                     where + ": " +
                         (error.field.empty() ? error.detail
                                              : "field '" + error.field + "' " + error.detail) +
                         "; nothing of the batch was submitted");
        return false;
    };
    if (!ndjson) {
        simdjson::dom::element value;
        if (!parse_json_body(request.body, response, parser, value)) {
            return false;
        }
        simdjson::dom::array array;
        if (value.get(array) != simdjson::SUCCESS) {
            send_problem(response, 400, "/problems/invalid-batch", "Invalid batch",
                         "a batch is a JSON array of jobs, or NDJSON (one job per line) sent "
                         "with Content-Type: application/x-ndjson");
            return false;
        }
        std::size_t index = 0;
        for (auto element : array) {
            wire::SubmitJob& job = jobs.emplace_back();
            if (auto error = read_job(element, job)) {
                return refuse("job at index " + std::to_string(index), *error);
            }
            ++index;
        }
        return true;
    }
    std::size_t line_number = 0;
    std::size_t start = 0;
    const std::string& body = request.body;
    while (start < body.size()) {
        std::size_t end = body.find('\n', start);
        if (end == std::string::npos) {
            end = body.size();
        }
        ++line_number;
        std::string_view line(body.data() + start, end - start);
        start = end + 1;
        if (!line.empty() && line.back() == '\r') {
            line.remove_suffix(1);
        }
        if (line.find_first_not_of(" \t") == std::string_view::npos) {
            continue;
        }
        simdjson::dom::element value;
        if (!parse_json_body(std::string(line), response, parser, value,
                             "line " + std::to_string(line_number))) {
            return false;
        }
        wire::SubmitJob& job = jobs.emplace_back();
        if (auto error = read_job(value, job)) {
            return refuse("line " + std::to_string(line_number), *error);
        }
    }
    return true;
}

// Submits the batch in chunks, all sent before any answer is awaited; a chunk refused because
// the broker is full is sent again after the wait the broker asks for, for up to 30 s. Returns
// the refusal that ended it, or nothing when every chunk was accepted.
std::optional<SubmitAnswer> submit_chunks(Gateway& gateway, std::vector<wire::SubmitJob>& jobs) {
    std::vector<std::pair<std::size_t, std::future<SubmitAnswer>>> sent;
    for (std::size_t first = 0; first < jobs.size(); first += jobs_per_submit) {
        const std::size_t last = std::min(jobs.size(), first + jobs_per_submit);
        sent.emplace_back(first, gateway.link().submit(std::vector<wire::SubmitJob>(
                                     jobs.begin() + static_cast<std::ptrdiff_t>(first),
                                     jobs.begin() + static_cast<std::ptrdiff_t>(last))));
    }
    const auto give_up = SteadyClock::now() + full_broker_patience;
    for (auto& [first, future] : sent) {
        for (;;) {
            if (future.wait_until(give_up) != std::future_status::ready) {
                return SubmitAnswer{false, 0, "UNAVAILABLE",
                                    "the broker did not answer within 30 s", 1000};
            }
            SubmitAnswer answer = future.get();
            if (answer.accepted) {
                break;
            }
            const auto retry =
                SteadyClock::now() +
                std::chrono::milliseconds(std::max<std::uint64_t>(answer.retry_after_ms, 10));
            if (answer.code != "QUEUE_FULL" || retry > give_up) {
                return answer;
            }
            std::this_thread::sleep_until(retry); // the broker's own pacing
            const std::size_t last = std::min(jobs.size(), first + jobs_per_submit);
            future = gateway.link().submit(
                std::vector<wire::SubmitJob>(jobs.begin() + static_cast<std::ptrdiff_t>(first),
                                             jobs.begin() + static_cast<std::ptrdiff_t>(last)));
        }
    }
    return std::nullopt;
}

std::string batch_body(const std::string& batch, std::size_t jobs) {
    return fmt::format("{{\"batch_id\":\"{0}\",\"jobs\":{1},\"status_url\":\"/v1/batches/{0}\","
                       "\"results_url\":\"/v1/batches/{0}/results\","
                       "\"events_url\":\"/v1/batches/{0}/events\"}}",
                       batch, jobs);
}

void post_batch(const httplib::Request& request, httplib::Response& response, Gateway& gateway) {
    std::vector<wire::SubmitJob> jobs;
    if (!read_jobs(request, response, jobs)) {
        return;
    }
    if (jobs.empty()) {
        send_problem(response, 400, "/problems/invalid-batch", "Empty batch",
                     "the batch holds no job");
        return;
    }
    const std::string key = request.get_header_value("Idempotency-Key");
    std::string batch = random_batch_id();
    if (!key.empty()) {
        const KeyClaim claim = gateway.keys().claim("batches", key, sha256_hex(request.body));
        if (claim.state == KeyState::replay) {
            response.status = claim.status;
            response.set_content(claim.body, "application/json");
            return;
        }
        if (claim.state != KeyState::fresh) {
            const bool conflict = claim.state == KeyState::conflict;
            send_problem(response, conflict ? 422 : 409,
                         conflict ? "/problems/idempotency-key-reused"
                                  : "/problems/idempotency-key-in-progress",
                         conflict ? "Idempotency-Key reused with another body"
                                  : "Request with this Idempotency-Key in progress",
                         conflict ? "use a new Idempotency-Key for a new batch"
                                  : "the first request with this key is still being answered");
            return;
        }
        batch = "b" + sha256_hex("batch\n" + key).substr(0, 16);
    }
    std::vector<std::string> ids;
    std::vector<std::string> types;
    ids.reserve(jobs.size());
    types.reserve(jobs.size());
    std::unordered_map<std::string_view, std::size_t> seen;
    for (std::size_t i = 0; i < jobs.size(); ++i) {
        if (jobs[i].id.empty()) {
            jobs[i].id = batch + "." + std::to_string(i);
        }
        if (const auto [it, added] = seen.emplace(jobs[i].id, i); !added) {
            if (!key.empty()) {
                gateway.keys().release("batches", key);
            }
            send_problem(response, 400, "/problems/invalid-batch", "Duplicate id in batch",
                         "jobs " + std::to_string(it->second) + " and " + std::to_string(i) +
                             " (0-based) both have id '" + jobs[i].id +
                             "'; nothing of the batch was submitted");
            return;
        }
        ids.push_back(jobs[i].id);
        types.push_back(jobs[i].type);
    }
    gateway.store().add_batch(batch, ids);
    gateway.store().add_pending(ids, types, batch);
    if (auto refusal = submit_chunks(gateway, jobs)) {
        if (!key.empty()) {
            gateway.keys().release("batches", key);
        }
        send_refusal(response, *refusal);
        return;
    }
    response.set_header("Location", "/v1/batches/" + batch);
    send_json(response, 202, batch_body(batch, jobs.size()));
    if (!key.empty()) {
        gateway.keys().complete("batches", key, 202, response.body);
    }
}

std::string counts_json(const std::string& batch, const BatchCounts& counts) {
    return fmt::format("{{\"batch_id\":\"{}\",\"status\":\"{}\",\"total\":{},\"done\":{},"
                       "\"ok\":{},\"failed\":{},\"pending\":{}}}",
                       batch, counts.done() == counts.total ? "done" : "running", counts.total,
                       counts.done(), counts.ok, counts.failed, counts.total - counts.done());
}

bool known_batch(Gateway& gateway, const std::string& batch, httplib::Response& response) {
    if (gateway.store().batch_counts(batch)) {
        return true;
    }
    send_problem(response, 404, "/problems/not-found", "No such batch",
                 "no batch '" + batch +
                     "' is held here (unknown, or every outcome of it was "
                     "fetched and forgotten, or expired)");
    return false;
}

void get_results(const httplib::Request& request, httplib::Response& response, Gateway& gateway) {
    const std::string batch = request.matches[1];
    const std::string order =
        request.has_param("order") ? request.get_param_value("order") : "input";
    if (order != "input" && order != "completion") {
        send_problem(response, 400, "/problems/invalid-parameter", "Invalid parameter",
                     "order must be 'input' or 'completion'");
        return;
    }
    if (!known_batch(gateway, batch, response)) {
        return;
    }
    const bool input_order = order == "input";
    auto position = std::make_shared<std::size_t>(0);
    response.set_chunked_content_provider(
        "application/x-ndjson",
        [&gateway, batch, input_order, position](std::size_t, httplib::DataSink& sink) {
            const auto counts = gateway.store().batch_counts(batch);
            if (!counts || *position >= counts->total || gateway.store().closing()) {
                sink.done();
                return true;
            }
            std::vector<std::string> lines;
            *position = gateway.store().batch_outcomes(batch, *position, input_order,
                                                       SteadyClock::now() + stream_step, lines);
            std::string chunk;
            for (const auto& line : lines) {
                chunk += line;
                chunk += '\n';
            }
            if (!chunk.empty() && !sink.write(chunk.data(), chunk.size())) {
                return false;
            }
            return sink.is_writable();
        });
}

void get_events(const httplib::Request& request, httplib::Response& response, Gateway& gateway) {
    const std::string batch = request.matches[1];
    if (!known_batch(gateway, batch, response)) {
        return;
    }
    auto position = std::make_shared<std::size_t>(0);
    auto finished = std::make_shared<bool>(false);
    response.set_header("Cache-Control", "no-cache");
    response.set_chunked_content_provider(
        "text/event-stream",
        [&gateway, batch, position, finished](std::size_t, httplib::DataSink& sink) {
            if (*finished || gateway.store().closing()) {
                sink.done();
                return true;
            }
            std::vector<std::string> items;
            *position = gateway.store().batch_outcomes(batch, *position, false,
                                                       SteadyClock::now() + stream_step, items);
            const auto counts = gateway.store().batch_counts(batch);
            std::string chunk;
            for (const auto& item : items) {
                chunk += "event: item\ndata: " + item + "\n\n";
            }
            if (!counts) {
                chunk += "event: done\ndata: {\"batch_id\":\"" + batch + "\",\"expired\":true}\n\n";
                *finished = true;
            } else {
                chunk += "event: progress\ndata: " + counts_json(batch, *counts) + "\n\n";
                if (counts->done() == counts->total) {
                    chunk += "event: done\ndata: " + counts_json(batch, *counts) + "\n\n";
                    *finished = true;
                }
            }
            return sink.write(chunk.data(), chunk.size()) && sink.is_writable();
        });
}

} // namespace

void add_batch_routes(httplib::Server& server, RouteContext&, Gateway& gateway) {
    server.Post(R"(/v1/batches)",
                [&gateway](const httplib::Request& request, httplib::Response& response) {
                    post_batch(request, response, gateway);
                });
    server.Get(R"(/v1/batches/([^/]+))", [&gateway](const httplib::Request& request,
                                                    httplib::Response& response) {
        const std::string batch = request.matches[1];
        if (known_batch(gateway, batch, response)) {
            send_json(response, 200, counts_json(batch, *gateway.store().batch_counts(batch)));
        }
    });
    server.Get(R"(/v1/batches/([^/]+)/results)",
               [&gateway](const httplib::Request& request, httplib::Response& response) {
                   get_results(request, response, gateway);
               });
    server.Get(R"(/v1/batches/([^/]+)/events)",
               [&gateway](const httplib::Request& request, httplib::Response& response) {
                   get_events(request, response, gateway);
               });
}

} // namespace ferry::http
