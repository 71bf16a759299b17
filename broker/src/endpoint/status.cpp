// Encoding of the broker's status map for STATUS_REPLY.
#include "ferry/broker/status.hpp"

#include "ferry/broker/broker.hpp"
#include "ferry/broker/journal_writer.hpp"
#include "ferry/wire/msgpack_values.hpp"

#include <msgpack.hpp>

namespace ferry::broker {
namespace {

using Packer = msgpack::packer<msgpack::sbuffer>;

using wire::pack_error;
using wire::pack_str;

void pack_worker(Packer& packer, const WorkerRecord& worker, TimePoint now) {
    packer.pack_map(7);
    pack_str(packer, "worker");
    pack_str(packer, worker.name);
    pack_str(packer, "host");
    pack_str(packer, worker.host);
    pack_str(packer, "pid");
    packer.pack(worker.pid);
    pack_str(packer, "types");
    packer.pack_map(static_cast<std::uint32_t>(worker.types.size()));
    for (const auto& [type, max_batch] : worker.types) {
        pack_str(packer, type);
        packer.pack(max_batch);
    }
    pack_str(packer, "credit");
    packer.pack(worker.credit);
    pack_str(packer, "in_flight");
    packer.pack(worker.in_flight);
    pack_str(packer, "last_heartbeat_ms_ago");
    packer.pack(std::max(0LL, millis_between(worker.last_heard, now)));
}

void pack_dead_letters(Packer& packer, const JobTable& table) {
    const auto& letters = table.dead_letters();
    const std::size_t count = std::min(letters.size(), status_dead_letters_listed);
    packer.pack_array(static_cast<std::uint32_t>(count));
    for (std::size_t i = letters.size() - count; i < letters.size(); ++i) {
        const auto& letter = letters[i];
        packer.pack_map(4);
        pack_str(packer, "id");
        pack_str(packer, letter.id);
        pack_str(packer, "client");
        pack_str(packer, letter.client);
        pack_str(packer, "type");
        pack_str(packer, letter.type);
        pack_str(packer, "causes");
        packer.pack_array(static_cast<std::uint32_t>(letter.causes.size()));
        for (const auto& cause : letter.causes) {
            pack_error(packer, cause);
        }
    }
}

void pack_unserved(Packer& packer, const StatusView& view) {
    const auto types = view.coverage.unserved(view.scheduler.queues(), view.scheduler.workers(),
                                              view.now, unserved_after);
    packer.pack_array(static_cast<std::uint32_t>(types.size()));
    for (const auto& unserved : types) {
        packer.pack_map(3);
        pack_str(packer, "type");
        pack_str(packer, unserved.type);
        pack_str(packer, "queued");
        packer.pack(unserved.queued);
        pack_str(packer, "seconds");
        packer.pack(unserved.seconds);
    }
}

void pack_counter(Packer& packer, std::string_view name, std::uint64_t value) {
    pack_str(packer, name);
    packer.pack(value);
}

// {bounds, counts (per bucket, one more than bounds), sum, count}
void pack_histogram(Packer& packer, std::string_view name, const Histogram& histogram) {
    pack_str(packer, name);
    packer.pack_map(4);
    pack_str(packer, "bounds");
    packer.pack_array(static_cast<std::uint32_t>(histogram.bounds().size()));
    for (const double bound : histogram.bounds()) {
        packer.pack(bound);
    }
    pack_str(packer, "counts");
    packer.pack(histogram.counts());
    pack_str(packer, "sum");
    packer.pack(histogram.sum());
    pack_counter(packer, "count", histogram.count());
}

// What /metrics shows beyond the counters: distributions, queue ages, the journal's figures.
void pack_metrics(Packer& packer, const StatusView& view) {
    const auto& histograms = view.scheduler.histograms();
    packer.pack_map(view.journal != nullptr ? 5 : 4);
    pack_str(packer, "queue_oldest_s");
    const auto& queues = view.scheduler.queues().all();
    packer.pack_map(static_cast<std::uint32_t>(queues.size()));
    for (const auto& [type, queue] : queues) {
        pack_str(packer, type);
        const auto oldest = queue.oldest();
        packer.pack(oldest ? std::chrono::duration<double>(view.now - *oldest).count() : 0.0);
    }
    pack_histogram(packer, "batch_size", histograms.batch_size);
    pack_histogram(packer, "queue_wait_s", histograms.queue_wait_s);
    pack_histogram(packer, "handler_s", histograms.handler_s);
    if (view.journal != nullptr) {
        pack_str(packer, "journal");
        packer.pack_map(3);
        pack_counter(packer, "bytes", view.journal->total_bytes());
        pack_counter(packer, "segments", view.journal->segment_count());
        pack_histogram(packer, "fsync_s", view.journal->fsync_seconds());
    }
}

void pack_security(Packer& packer, const StatusSecurity& security) {
    pack_str(packer, "security");
    packer.pack_map(8);
    pack_str(packer, "curve");
    packer.pack(security.curve);
    pack_str(packer, "insecure");
    packer.pack(security.insecure);
    pack_counter(packer, "refused_unknown_key", security.refused_unknown);
    pack_counter(packer, "refused_wrong_role", security.refused_role);
    pack_counter(packer, "forbidden_messages", security.forbidden);
    pack_counter(packer, "producer_keys", security.producers);
    pack_counter(packer, "worker_keys", security.workers);
    pack_counter(packer, "admin_keys", security.admins);
}

} // namespace

// Field names follow PROTOCOL.md's STATUS_REPLY; the extra counters are documented in
// docs/broker.md.
std::string encode_status(const StatusView& view) {
    msgpack::sbuffer buffer;
    Packer packer(buffer);
    const auto& stats = view.scheduler.stats();
    const auto& table = view.scheduler.table();
    packer.pack_map(34); // keep in step with the fields below
    pack_str(packer, "broker");
    pack_str(packer, view.broker_id);
    pack_str(packer, "uptime_s");
    packer.pack(std::chrono::duration<double>(view.uptime).count());
    pack_str(packer, "workers");
    packer.pack_array(static_cast<std::uint32_t>(view.scheduler.workers().size()));
    for (const auto& [id, worker] : view.scheduler.workers().all()) {
        pack_worker(packer, worker, view.now);
    }
    pack_str(packer, "queues");
    packer.pack_map(static_cast<std::uint32_t>(view.scheduler.queues().all().size()));
    for (const auto& [type, queue] : view.scheduler.queues().all()) {
        pack_str(packer, type);
        packer.pack(queue.waiting());
    }
    pack_str(packer, "unserved");
    pack_unserved(packer, view);
    pack_counter(packer, "pending", view.pending);
    pack_counter(packer, "in_flight", view.scheduler.in_flight());
    pack_counter(packer, "done", stats.done);
    pack_counter(packer, "failed", stats.failed);
    pack_str(packer, "dead_letters");
    pack_dead_letters(packer, table);
    pack_counter(packer, "dead_letters_total", table.dead_letters_total());
    pack_counter(packer, "duplicates_dropped", stats.duplicates_dropped);
    pack_counter(packer, "malformed_messages", view.counters.malformed_messages);
    pack_str(packer, "rates");
    packer.pack_map(1);
    pack_str(packer, "done_per_s");
    packer.pack(view.done_per_s);
    pack_counter(packer, "accepted", stats.accepted);
    pack_counter(packer, "duplicate_submits", stats.duplicate_submits);
    pack_counter(packer, "dispatched", stats.dispatched);
    pack_counter(packer, "retries", stats.retries);
    pack_counter(packer, "timeouts", stats.timeouts);
    pack_counter(packer, "workers_lost", stats.workers_lost);
    pack_counter(packer, "stale_errors_dropped", stats.stale_errors_dropped);
    pack_counter(packer, "rejected_batches", view.counters.rejected_batches);
    pack_counter(packer, "outcomes_kept", view.scheduler.kept());
    pack_counter(packer, "acknowledged", stats.acknowledged);
    pack_counter(packer, "redelivered", stats.redelivered);
    pack_counter(packer, "already_done", stats.already_done);
    pack_counter(packer, "outcomes_given_up", stats.outcomes_given_up);
    pack_counter(packer, "cancelled", stats.cancelled);
    pack_counter(packer, "redriven", stats.redriven);
    pack_counter(packer, "claims_refused", view.counters.claims_refused);
    pack_counter(packer, "journal_full_rejects", view.counters.journal_full_rejects);
    pack_str(packer, "journal_full");
    packer.pack(view.journal_full);
    pack_str(packer, "metrics");
    pack_metrics(packer, view);
    pack_security(packer, view.security);
    return std::string(buffer.data(), buffer.size());
}

} // namespace ferry::broker
