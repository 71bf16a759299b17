// Renders /metrics. Each family is written whole (HELP, TYPE, samples) so promtool's ordering
// rules hold; label values are escaped as the text format says.
#include "ferry/http/metrics_text.hpp"

#include "ferry/http/utf8.hpp"

#include <fmt/format.h>
#include <simdjson.h>

namespace ferry::http {
namespace {

using simdjson::dom::element;
using simdjson::dom::object;

std::string escape_label(std::string_view value) {
    std::string out;
    out.reserve(value.size());
    for (const char c : value) {
        if (c == '\\') {
            out += "\\\\";
        } else if (c == '"') {
            out += "\\\"";
        } else if (c == '\n') {
            out += "\\n";
        } else {
            out += c;
        }
    }
    return out;
}

// Numbers as Prometheus reads them (integers without a fraction, others in full precision).
std::string number(double value) {
    return fmt::format("{}", value);
}

class Writer {
  public:
    void family(std::string_view name, std::string_view type, std::string_view help) {
        out_ += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
    }
    void sample(std::string_view name, std::string_view labels, double value) {
        out_ += name;
        if (!labels.empty()) {
            out_ += '{';
            out_ += labels;
            out_ += '}';
        }
        out_ += ' ';
        out_ += number(value);
        out_ += '\n';
    }
    // One family with a single unlabelled sample.
    void single(std::string_view name, std::string_view type, std::string_view help, double value) {
        family(name, type, help);
        sample(name, "", value);
    }
    std::string take() { return std::move(out_); }

  private:
    std::string out_;
};

double num(const object& map, std::string_view key) {
    double value = 0;
    element field;
    if (map.at_key(key).get(field) != simdjson::SUCCESS) {
        return 0;
    }
    if (field.get(value) == simdjson::SUCCESS) {
        return value;
    }
    bool flag = false;
    return field.get(flag) == simdjson::SUCCESS && flag ? 1 : 0;
}

std::string label(std::string_view name, std::string_view value) {
    return fmt::format("{}=\"{}\"", name, escape_label(value));
}

// A STATUS histogram {bounds, counts, sum, count} as _bucket (cumulative), _sum and _count.
void histogram(Writer& writer, const object& metrics, std::string_view key, std::string_view name,
               std::string_view help) {
    object data;
    if (metrics.at_key(key).get(data) != simdjson::SUCCESS) {
        return;
    }
    writer.family(name, "histogram", help);
    simdjson::dom::array bounds;
    simdjson::dom::array counts;
    if (data["bounds"].get(bounds) != simdjson::SUCCESS ||
        data["counts"].get(counts) != simdjson::SUCCESS) {
        return;
    }
    const std::string bucket = std::string(name) + "_bucket";
    std::uint64_t cumulative = 0;
    std::size_t i = 0;
    for (element count : counts) {
        cumulative += std::uint64_t(count);
        std::string le = "+Inf";
        if (i < bounds.size()) {
            le = number(double(bounds.at(i)));
        }
        writer.sample(bucket, label("le", le), static_cast<double>(cumulative));
        ++i;
    }
    writer.sample(std::string(name) + "_sum", "", num(data, "sum"));
    writer.sample(std::string(name) + "_count", "", num(data, "count"));
}

void queues(Writer& writer, const object& status, const object& metrics) {
    object depths;
    if (status["queues"].get(depths) == simdjson::SUCCESS) {
        writer.family("ferry_queue_depth", "gauge", "Jobs waiting for a worker, by job type.");
        for (auto field : depths) {
            writer.sample("ferry_queue_depth", label("type", field.key), double(field.value));
        }
    }
    object ages;
    if (metrics["queue_oldest_s"].get(ages) == simdjson::SUCCESS) {
        writer.family("ferry_queue_oldest_age_seconds", "gauge",
                      "How long the oldest waiting job of each type has waited (0: none waits).");
        for (auto field : ages) {
            writer.sample("ferry_queue_oldest_age_seconds", label("type", field.key),
                          double(field.value));
        }
    }
}

void workers(Writer& writer, const object& status) {
    simdjson::dom::array list;
    if (status["workers"].get(list) != simdjson::SUCCESS) {
        return;
    }
    writer.single("ferry_workers_online", "gauge", "Worker processes registered and alive.",
                  static_cast<double>(list.size()));
    // One gauge family per field of a worker's map, labelled by the worker.
    const auto per_worker = [&](const char* name, const char* help, const char* field) {
        writer.family(name, "gauge", help);
        for (element worker : list) {
            writer.sample(name,
                          label("worker", std::string_view(worker["worker"])) + "," +
                              label("host", std::string_view(worker["host"])),
                          double(worker[field]));
        }
    };
    per_worker("ferry_worker_credit", "Jobs each worker process can take now (its credit).",
               "credit");
    per_worker("ferry_worker_jobs_in_flight", "Jobs each worker process is running.", "in_flight");
}

void jobs(Writer& writer, const object& status) {
    writer.single("ferry_jobs_in_flight", "gauge", "Jobs whose current attempt runs at a worker.",
                  num(status, "in_flight"));
    writer.single("ferry_jobs_held", "gauge",
                  "Jobs the broker holds: queued, waiting, running, or answered and not yet "
                  "acknowledged.",
                  num(status, "pending"));
    writer.single("ferry_outcomes_kept", "gauge",
                  "Outcomes kept until their producer acknowledges them.",
                  num(status, "outcomes_kept"));
    writer.single("ferry_jobs_submitted_total", "counter", "Jobs accepted at submit.",
                  num(status, "accepted"));
    writer.family("ferry_jobs_completed_total", "counter", "Jobs finished, by outcome.");
    writer.sample("ferry_jobs_completed_total", label("outcome", "ok"), num(status, "done"));
    writer.sample("ferry_jobs_completed_total", label("outcome", "failed"), num(status, "failed"));
    writer.sample("ferry_jobs_completed_total", label("outcome", "cancelled"),
                  num(status, "cancelled"));
    writer.single("ferry_job_retries_total", "counter", "Attempts scheduled again after a failure.",
                  num(status, "retries"));
    writer.single("ferry_job_timeouts_total", "counter", "Attempts that ran past their limit.",
                  num(status, "timeouts"));
    writer.single("ferry_jobs_dead_lettered_total", "counter", "Jobs that failed for good.",
                  num(status, "dead_letters_total"));
    writer.single("ferry_jobs_redriven_total", "counter", "Dead letters run again.",
                  num(status, "redriven"));
    writer.single("ferry_duplicate_submits_total", "counter",
                  "Submitted ids that were already held or finished.",
                  num(status, "duplicate_submits"));
    writer.single("ferry_duplicate_results_dropped_total", "counter",
                  "Results for jobs already answered (dropped).",
                  num(status, "duplicates_dropped"));
    writer.single("ferry_workers_lost_total", "counter",
                  "Workers removed for silence, exit or unreachability.",
                  num(status, "workers_lost"));
    writer.single("ferry_malformed_messages_total", "counter",
                  "Messages dropped as undecodable or misplaced.",
                  num(status, "malformed_messages"));
    writer.single("ferry_rejected_batches_total", "counter",
                  "SUBMIT batches refused whole (queue full, journal full, client in use).",
                  num(status, "rejected_batches"));
}

void journal(Writer& writer, const object& status, const object& metrics) {
    writer.single("ferry_journal_disk_full", "gauge",
                  "1 while the journal's disk is full and submissions are refused.",
                  num(status, "journal_full"));
    writer.single("ferry_journal_full_rejects_total", "counter",
                  "Submissions refused because the journal's disk was full.",
                  num(status, "journal_full_rejects"));
    object data;
    if (metrics["journal"].get(data) != simdjson::SUCCESS) {
        return;
    }
    writer.single("ferry_journal_bytes", "gauge", "Bytes of every journal segment on disk.",
                  num(data, "bytes"));
    writer.single("ferry_journal_segments", "gauge", "Journal segment files on disk.",
                  num(data, "segments"));
    histogram(writer, data, "fsync_s", "ferry_journal_fsync_duration_seconds",
              "How long each fsync of the journal took.");
}

// CURVE on the broker's endpoints: refusals at the handshake and at the command, keys per role.
void security(Writer& writer, const object& status) {
    object data;
    if (status["security"].get(data) != simdjson::SUCCESS) {
        return;
    }
    writer.single("ferry_curve_enabled", "gauge",
                  "1 when the broker's endpoints require a CURVE handshake.", num(data, "curve"));
    writer.single("ferry_insecure", "gauge",
                  "1 when plain TCP beyond loopback was allowed (security.insecure).",
                  num(data, "insecure"));
    writer.family("ferry_auth_refused_total", "counter",
                  "CURVE handshakes refused: a key on no allow-list, or not allowed on that "
                  "endpoint.");
    writer.sample("ferry_auth_refused_total", label("reason", "unknown_key"),
                  num(data, "refused_unknown_key"));
    writer.sample("ferry_auth_refused_total", label("reason", "wrong_role"),
                  num(data, "refused_wrong_role"));
    writer.single("ferry_auth_forbidden_messages_total", "counter",
                  "Messages refused with FORBIDDEN: the sender's key lacks the role.",
                  num(data, "forbidden_messages"));
    writer.family("ferry_allowed_keys", "gauge", "Keys on each allow-list in force.");
    for (const auto& [role, key] :
         {std::pair{"producer", "producer_keys"}, std::pair{"worker", "worker_keys"},
          std::pair{"admin", "admin_keys"}}) {
        writer.sample("ferry_allowed_keys", label("role", role), num(data, key));
    }
}

void scheduler(Writer& writer, const std::string& json) {
    simdjson::dom::parser parser;
    object root;
    simdjson::dom::array pipelines;
    if (parser.parse(json).get(root) != simdjson::SUCCESS ||
        root["pipelines"].get(pipelines) != simdjson::SUCCESS) {
        return;
    }
    // A run still pending or running changes state later: it is a gauge, not a counter's
    // outcome (a counter must never go down).
    const auto unfinished = [](std::string_view state) {
        return state == "pending" || state == "running";
    };
    for (const bool finished : {true, false}) {
        const char* name =
            finished ? "ferry_scheduler_fires_total" : "ferry_scheduler_runs_unfinished";
        writer.family(name, finished ? "counter" : "gauge",
                      finished ? "Runs of a pipeline that ended, by how they ended."
                               : "Runs of a pipeline pending or running now.");
        for (element pipeline : pipelines) {
            object runs;
            if (pipeline["runs"].get(runs) != simdjson::SUCCESS) {
                continue;
            }
            for (auto field : runs) {
                if (unfinished(field.key) == finished) {
                    continue;
                }
                writer.sample(name,
                              label("pipeline", std::string_view(pipeline["name"])) + "," +
                                  label(finished ? "outcome" : "state", field.key),
                              double(field.value));
            }
        }
    }
    writer.family("ferry_scheduler_last_fire_timestamp_seconds", "gauge",
                  "When each pipeline's latest run started (Unix time).");
    for (element pipeline : pipelines) {
        std::int64_t at = 0;
        if (pipeline["last_fire_unix"].get(at) == simdjson::SUCCESS) {
            writer.sample("ferry_scheduler_last_fire_timestamp_seconds",
                          label("pipeline", std::string_view(pipeline["name"])),
                          static_cast<double>(at));
        }
    }
    writer.family("ferry_scheduler_paused", "gauge", "1 while a pipeline is paused.");
    for (element pipeline : pipelines) {
        writer.sample("ferry_scheduler_paused",
                      label("pipeline", std::string_view(pipeline["name"])),
                      bool(pipeline["paused"]) ? 1 : 0);
    }
}

void http_requests(Writer& writer, const MetricsSources& sources) {
    writer.family("ferry_http_requests_total", "counter",
                  "HTTP requests answered, by route pattern and status code.");
    for (const auto& [key, count] : sources.requests) {
        writer.sample("ferry_http_requests_total",
                      label("route", key.first) + "," + label("code", std::to_string(key.second)),
                      static_cast<double>(count));
    }
}

} // namespace

std::string metrics_text(const MetricsSources& sources) {
    simdjson::dom::parser parser;
    object status;
    // A job type is whatever bytes a producer sent: repaired, so one bad name cannot break the
    // whole scrape.
    const std::string status_json = valid_utf8(sources.status_json);
    if (parser.parse(status_json).get(status) != simdjson::SUCCESS) {
        throw MetricsInputError("the broker's status is not a JSON object");
    }
    object metrics;
    simdjson::dom::parser empty_parser; // stands in for a status without its metrics map
    if (status["metrics"].get(metrics) != simdjson::SUCCESS &&
        empty_parser.parse(simdjson::padded_string(std::string_view("{}"))).get(metrics) !=
            simdjson::SUCCESS) {
        throw MetricsInputError("cannot stand in for the status's metrics");
    }
    Writer writer;
    writer.family("ferry_build_info", "gauge", "Ferry's version and commit; the value is 1.");
    writer.sample("ferry_build_info",
                  label("version", sources.version) + "," + label("commit", sources.commit) + "," +
                      label("service", sources.service),
                  1);
    writer.single("ferry_uptime_seconds", "gauge", "Seconds since the broker started.",
                  num(status, "uptime_s"));
    queues(writer, status, metrics);
    workers(writer, status);
    jobs(writer, status);
    histogram(writer, metrics, "batch_size", "ferry_dispatch_batch_jobs",
              "Jobs per message sent to a worker.");
    histogram(writer, metrics, "queue_wait_s", "ferry_queue_wait_seconds",
              "Time from a job's acceptance to the dispatch of each attempt.");
    histogram(writer, metrics, "handler_s", "ferry_handler_duration_seconds",
              "The handler's own time per job, as its worker reported.");
    journal(writer, status, metrics);
    security(writer, status);
    if (sources.scheduler_json) {
        scheduler(writer, valid_utf8(*sources.scheduler_json));
    }
    http_requests(writer, sources);
    return writer.take();
}

} // namespace ferry::http
