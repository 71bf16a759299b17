// The broker's worker endpoint: READY/WELCOME, RESULTS, heartbeats, DISCONNECT, EXITED.
#include "ferry/broker/broker.hpp"

#include <spdlog/spdlog.h>

namespace ferry::broker {

// Any message proves its sender alive (RESULTS go to on_results). A peer that never sent READY
// (typically one that outlived a broker restart) still gets its results counted, then is told to
// register again.
void Broker::on_worker_message(const Incoming& incoming, wire::Message&& message) {
    WorkerRecord* worker = scheduler_.workers().by_routing_id(incoming.routing_view());
    if (worker != nullptr) {
        worker->last_heard = now_;
    }
    if (auto* ready = std::get_if<wire::Ready>(&message)) {
        on_ready(incoming, std::move(*ready));
    } else if (std::holds_alternative<wire::Heartbeat>(message)) {
        if (worker == nullptr) {
            disconnect_unknown(incoming);
        }
    } else if (auto* disconnect = std::get_if<wire::Disconnect>(&message)) {
        if (worker != nullptr) {
            spdlog::info("worker {} left: {}", worker->name,
                         disconnect->reason.value_or("no reason"));
            scheduler_.remove_worker(worker->id, WorkerExit::disconnected, "left", now_);
        }
    } else if (auto* exited = std::get_if<wire::Exited>(&message)) {
        on_exited(std::move(*exited));
    } else if (std::holds_alternative<wire::Status>(message)) {
        on_status(workers_, incoming);
    } else {
        on_bad_message(workers_, incoming, wire::DecodeErrorKind::unknown_command,
                       std::string(wire::name_of(wire::command_of(message))) +
                           " is not accepted on the workers endpoint");
    }
}

void Broker::on_ready(const Incoming& incoming, wire::Ready&& ready) {
    if (ready.types.empty()) {
        message_scratch_ = wire::ErrorReply{wire::code_name(wire::ErrorCode::invalid_argument),
                                            "READY lists no job types", std::nullopt};
        (void)send(workers_, incoming.routing_view(), message_scratch_);
        return;
    }
    WorkerRecord& worker =
        scheduler_.worker_ready(ready, std::string(incoming.routing_view()), now_);
    worker.key.assign(peer_key_);
    spdlog::info("worker {} ready: host={} pid={} types={} credit={} heartbeat={}ms", worker.name,
                 worker.host, worker.pid, worker.types.size(), worker.credit, worker.heartbeat_ms);
    message_scratch_ = wire::Welcome{id_, worker.heartbeat_ms, config_.liveness};
    (void)send_to_worker(worker, message_scratch_);
}

// RESULTS come here from the loop directly (read as views), so the sender is looked up here.
void Broker::on_results(const Incoming& incoming, const wire::ResultsView& results) {
    WorkerRecord* worker = scheduler_.workers().by_routing_id(incoming.routing_view());
    if (worker != nullptr) {
        worker->last_heard = now_;
    }
    scheduler_.worker_results(worker, results, now_);
    if (worker == nullptr) {
        disconnect_unknown(incoming);
    }
}

// A supervisor reports a dead worker process: purge it now rather than after heartbeat silence.
void Broker::on_exited(wire::Exited&& exited) {
    WorkerRecord* worker = scheduler_.workers().by_name(exited.worker);
    if (worker == nullptr) {
        return;
    }
    std::string reason = "worker process exited: " + exited.reason;
    if (exited.exit_code) {
        reason += ", exit code " + std::to_string(*exited.exit_code);
    }
    if (exited.signal) {
        reason += ", signal " + std::to_string(*exited.signal);
    }
    if (exited.rss_mb) {
        reason += ", rss " + std::to_string(*exited.rss_mb) + " MB";
    }
    if (exited.running) {
        spdlog::warn("worker {} lost: {}; {} jobs were running", exited.worker, reason,
                     exited.running->size());
    } else {
        spdlog::warn("worker {} lost: {}", exited.worker, reason);
    }
    scheduler_.remove_worker(worker->id, WorkerExit::lost, reason, now_, exited.running);
}

void Broker::disconnect_unknown(const Incoming& incoming) {
    ++counters_.unknown_peers;
    message_scratch_ = wire::Disconnect{std::string("unknown worker: send READY"), std::nullopt};
    (void)send(workers_, incoming.routing_view(), message_scratch_);
}

void Broker::read_before_purge() {
    drain(workers_, true);
}

// A send that found the peer gone is not yet a loss: what it sent before leaving (RESULTS, then
// DISCONNECT) is read first, so a worker that drained and left is not charged.
void Broker::remove_unreachable_workers() {
    if (unreachable_workers_.empty()) {
        return;
    }
    const auto unreachable = std::move(unreachable_workers_);
    unreachable_workers_.clear();
    read_before_purge();
    for (const auto id : unreachable) {
        if (const WorkerRecord* worker = scheduler_.workers().by_id(id)) {
            spdlog::warn("worker {} unreachable: purged, its jobs re-dispatched", worker->name);
            scheduler_.remove_worker(id, WorkerExit::lost, "worker unreachable (connection gone)",
                                     now_);
        }
    }
}

} // namespace ferry::broker
