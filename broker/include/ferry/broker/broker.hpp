// The broker: two ROUTER sockets and one poll loop that owns every job until its outcome.
#pragma once

#include "ferry/broker/admin_service.hpp"
#include "ferry/broker/broker_config.hpp"
#include "ferry/broker/journal.hpp"
#include "ferry/broker/outbox.hpp"
#include "ferry/broker/peer_socket.hpp"
#include "ferry/broker/scheduler.hpp"
#include "ferry/broker/status.hpp"
#include "ferry/broker/type_coverage.hpp"
#include "ferry/security/zap_handler.hpp"
#include "ferry/wire/codec.hpp"

#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>
#include <zmq.hpp>

namespace ferry::broker {

// An endpoint that cannot be bound (in use, bad address): the user's to fix, not a fault.
class BindError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// The endpoints actually bound (ports resolved).
struct BoundEndpoints {
    std::string producers; // producer ROUTER
    std::string workers;   // worker ROUTER
};

// Broker-level counters (the scheduler keeps the job counters).
struct BrokerCounters {
    std::uint64_t malformed_messages = 0;   // messages that failed to decode or were misplaced
    std::uint64_t rejected_batches = 0;     // SUBMITs refused (QUEUE_FULL, UNAVAILABLE)
    std::uint64_t unknown_peers = 0;        // DISCONNECTs sent to peers without READY
    std::uint64_t claims_refused = 0;       // producer messages refused with CLIENT_IN_USE
    std::uint64_t journal_full_rejects = 0; // SUBMITs refused with JOURNAL_FULL
    std::uint64_t forbidden_messages = 0;   // messages whose CURVE key lacks the role they need
};

// A producer client name, and the session (one producer process) that owns it now. Only the
// owner may submit, acknowledge or receive outcomes under the name; another session may take it
// once the owner is gone: it left (DISCONNECT) or was silent for heartbeat x liveness.
struct ClientState {
    std::string routing_id;         // the owner's most recent connection
    std::string session;            // the owning session; empty: never claimed
    std::uint32_t serial = 0;       // number of this claim; jobs submitted under it carry it
    std::uint64_t heartbeat_ms = 0; // the owner's interval from HELLO (0: the broker's own)
    TimePoint last_heard{};         // last message from the owner (or creation)
    bool left = false;              // the owner sent DISCONNECT: the name is free
    bool reachable = true;          // false after EHOSTUNREACH, until it speaks again
    std::uint64_t kept = 0;         // outcomes kept for it: answered, not acknowledged
    Outbox outbox;                  // outcomes not yet handed to ZeroMQ
    // Outcomes sent to the owner in this claim, by delivery number (the number an ACK names
    // them by): the job of each (packed JobRef; acknowledged_slot once acknowledged), from
    // number first_delivery on. Entries leave from the front once acknowledged or stale.
    std::deque<std::uint64_t> deliveries;
    std::uint64_t first_delivery = 1; // delivery number of deliveries.front()

    // Forgets the outgoing side of the claim (outbox and delivery numbers): its session is gone.
    void reset_deliveries(std::size_t& outbox_total) {
        outbox_total -= outbox.size();
        outbox.clear();
        deliveries.clear();
        first_delivery = 1;
    }
};

// A delivery number whose outcome was acknowledged.
inline constexpr std::uint64_t acknowledged_slot = UINT64_MAX;

// An ACCEPTED reply held until the journal has the jobs it acknowledges.
struct HeldReply {
    std::string routing_id;        // where it goes
    wire::Accepted accepted;       // the reply
    std::uint64_t journal_end = 0; // journal bytes that must be written first
};

class Broker : private SchedulerSink {
  public:
    // Binds both endpoints; throws BindError naming the endpoint when one cannot bind.
    explicit Broker(BrokerConfig config);
    ~Broker() override;
    Broker(const Broker&) = delete;
    Broker& operator=(const Broker&) = delete;

    [[nodiscard]] const BoundEndpoints& endpoints() const noexcept { return endpoints_; }
    [[nodiscard]] const std::string& id() const noexcept { return id_; }
    // The broker's ZeroMQ context: a peer in the same process connects to
    // internal_producers_endpoint through it (inproc endpoints are per context).
    [[nodiscard]] zmq::context_t& context() noexcept { return context_; }
    // Runs the poll loop until a stop was requested and the shutdown finished.
    void run();
    // Who answers ADMIN requests; null (the default): they are refused as UNSUPPORTED. Set it
    // before run(): the loop reads it without a lock.
    void set_admin_service(std::shared_ptr<AdminService> service) {
        admin_service_ = std::move(service);
    }
    // Asks the loop to shut down (thread- and async-signal-safe).
    void request_stop() noexcept { stop_requested_.store(true, std::memory_order_relaxed); }

    // Read these only when run() is not running (tests, after join).
    [[nodiscard]] const SchedulerStats& stats() const noexcept { return scheduler_.stats(); }
    [[nodiscard]] const BrokerCounters& counters() const noexcept { return counters_; }
    // The journal writer, null when the journal is off (tests read its sizes).
    [[nodiscard]] const JournalWriter* journal() const noexcept {
        return journal_ ? &journal_->writer() : nullptr;
    }

  private:
    // SchedulerSink
    JobsSent send_jobs(WorkerRecord& worker, wire::Jobs& jobs) override;
    void send_cancel(WorkerRecord& worker, wire::Cancel&& cancel) override;
    void deliver(std::string_view client, std::uint32_t session, JobRef job,
                 std::string_view outcome) override;
    void kept_changed(std::string_view client, int delta) override;
    void read_before_purge() override;

    void open_journal();

    // Loop steps (broker.cpp)
    void poll_once();
    void drain(RouterSocket& socket, bool workers);
    void on_incoming(RouterSocket& socket, const Incoming& incoming, bool from_workers);
    bool on_hot_message(RouterSocket& socket, const Incoming& incoming, wire::Command command,
                        std::string_view body, bool from_workers);
    void timers_and_dispatch();
    void send_heartbeats();
    [[nodiscard]] int poll_timeout_ms() const;
    void begin_shutdown();
    [[nodiscard]] bool shutdown_finished() const;
    void finish_shutdown();
    void on_bad_message(RouterSocket& socket, const Incoming& incoming, wire::DecodeErrorKind kind,
                        const std::string& detail);
    SendStatus send(RouterSocket& socket, std::string_view routing_id, wire::Message& message);
    [[nodiscard]] bool may_log_peer_problem();
    SendStatus send_to_worker(WorkerRecord& worker, wire::Message& message);
    void sample_rate();
    [[nodiscard]] double done_per_s() const;

    // CURVE roles and key-bound names (broker_security.cpp)
    [[nodiscard]] bool permitted(RouterSocket& socket, const Incoming& incoming,
                                 wire::Command command, bool from_workers);
    void refuse(RouterSocket& socket, const Incoming& incoming, wire::Command command,
                std::uint8_t roles, bool from_workers);
    [[nodiscard]] std::string_view bound_client(std::string_view name);
    void refresh_keys();
    void warn_if_insecure();
    [[nodiscard]] StatusSecurity security_figures() const;

    // Worker endpoint (broker_workers.cpp)
    void on_worker_message(const Incoming& incoming, wire::Message&& message);
    void on_ready(const Incoming& incoming, wire::Ready&& ready);
    void on_results(const Incoming& incoming, const wire::ResultsView& results);
    void on_exited(wire::Exited&& exited);
    void disconnect_unknown(const Incoming& incoming);
    void remove_unreachable_workers();

    // Producer endpoint (broker_producers.cpp)
    void on_producer_message(const Incoming& incoming, wire::Message&& message);
    void on_submit(const Incoming& incoming, const wire::SubmitView& submit);
    void on_ack(const Incoming& incoming, const wire::AckView& ack);
    void on_hello(const Incoming& incoming, const wire::Hello& hello);
    void on_producer_left(const Incoming& incoming, const wire::Disconnect& disconnect);
    ClientState& client_named(std::string_view name);
    ClientState& delivery_client(std::string_view name);
    void take_acknowledged(ClientState& client, std::span<const std::uint64_t> ranges);

    // Client names (broker_clients.cpp)
    ClientState* claim(const Incoming& incoming, std::string_view name, std::string_view session,
                       std::uint64_t seq);
    void take_over(ClientState& client, std::string_view name, std::string_view session);
    [[nodiscard]] bool owner_alive(const ClientState& client) const;
    [[nodiscard]] Millis liveness_span(const ClientState& client) const;
    void expire_clients();
    void reject(const Incoming& incoming, std::uint64_t seq, wire::ErrorCode code,
                const std::string& message, std::uint64_t retry_after_ms);
    void on_status(RouterSocket& socket, const Incoming& incoming);
    void on_admin(const Incoming& incoming, const wire::Admin& admin);
    [[nodiscard]] AdminAnswer admin_answer(const wire::Admin& admin);
    // Admin commands the broker answers itself (broker_admin.cpp); empty for the others.
    [[nodiscard]] std::optional<AdminAnswer> broker_admin(const wire::Admin& admin);
    [[nodiscard]] AdminAnswer adopt(std::string_view client, std::string_view session);
    [[nodiscard]] AdminAnswer list_dead_letters(std::string_view client, std::uint64_t limit) const;
    [[nodiscard]] AdminAnswer cancel(std::string_view client, std::string_view id);
    [[nodiscard]] AdminAnswer redrive(std::string_view client, std::string_view id);
    void send_accepted_replies();
    void flush_outboxes();
    bool flush_client(ClientState& client);
    [[nodiscard]] std::size_t pending() const noexcept;

    BrokerConfig config_;    // settings
    std::string id_;         // this broker life's id (changes on restart)
    zmq::context_t context_; // ZeroMQ context (one I/O thread)
    // Answers CURVE handshakes; null without CURVE. Before the sockets: it must exist when they
    // bind, and outlive them.
    std::unique_ptr<security::ZapHandler> zap_;
    RouterSocket producers_;   // producer ROUTER
    RouterSocket workers_;     // worker ROUTER
    BoundEndpoints endpoints_; // resolved endpoints
    Scheduler scheduler_;      // job state machine
    BrokerCounters counters_;  // broker-level counters
    // Producers by client name (looked up by view: no string is built per SUBMIT).
    struct NameHash {
        using is_transparent = void;
        std::size_t operator()(std::string_view name) const noexcept {
            return std::hash<std::string_view>{}(name);
        }
    };
    std::unordered_map<std::string, ClientState, NameHash, std::equal_to<>> clients_;
    std::uint32_t last_serial_ = 0;                 // number of the latest client-name claim
    TimePoint next_client_sweep_{};                 // when expire_clients() runs next
    std::unordered_set<std::string> dirty_clients_; // clients with outcomes to send
    ClientState* delivery_client_ = nullptr; // last client delivered to, marked dirty (see deliver)
    std::string delivery_name_;              // its name
    std::size_t outbox_total_ = 0;           // outcomes held in all outboxes
    bool outbox_blocked_ = false;            // some outbox met a full pipe: retry soon
    std::vector<std::uint32_t> unreachable_workers_; // found unreachable while sending
    std::atomic<bool> stop_requested_{false};        // set by request_stop()
    bool shutting_down_ = false;                     // shutdown begun
    TimePoint shutdown_deadline_;                    // end of the grace period
    TimePoint started_at_;                           // for uptime
    TimePoint now_;                                  // time of the current loop pass
    std::unique_ptr<Journal> journal_;               // jobs and outcomes on disk; null: off
    std::shared_ptr<AdminService> admin_service_;    // answers ADMIN; null: none
    std::deque<HeldReply> accepted_replies_;         // held until the journal wrote their jobs
    wire::Message message_scratch_;                  // reused message being encoded
    wire::SubmitView submit_view_;   // reused: the SUBMIT being read (views into its frame)
    wire::AckView ack_view_;         // reused: the ACK being read (views into its frame)
    std::vector<JobRef> acked_jobs_; // reused: the jobs one ACK names
    wire::ResultsView results_view_; // reused: the RESULTS being read (views into its frame)
    wire::Frames frames_scratch_;    // reused encoded frames
    std::deque<std::pair<TimePoint, std::uint64_t>> done_samples_; // (time, done) for rates
    TypeCoverage coverage_;                         // when each job type last had a live worker
    TimePoint last_bad_log_;                        // start of the current bad-message log window
    std::shared_ptr<const security::KeyRing> keys_; // allow-lists as of this pass (CURVE only)
    std::string_view peer_key_;         // CURVE key of the message in hand; empty: inproc or plain
    std::string bound_name_;            // scratch: a client name bound to peer_key_
    TimePoint next_insecure_warning_{}; // `insecure: true`: when to warn again
    std::uint64_t bad_logged_ = 0;      // bad messages logged in that window
};

} // namespace ferry::broker
