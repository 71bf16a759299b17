// `ferry status`: the STATUS round trip and the table rendering of the status map.
#include "ferry/app/status_client.hpp"

#include "ferry/producer/broker_status.hpp"
#include "ferry/producer/json_msgpack.hpp"
#include "ferry/wire/codec.hpp"

#include <cstdio>
#include <iomanip>
#include <map>
#include <sstream>
#include <stdexcept>
#include <zmq.hpp>
#include <zmq_addon.hpp>

namespace ferry::app {
using producer::status_fields;
namespace {

std::string text_of(const msgpack::object& value) {
    std::ostringstream out;
    if (value.type == msgpack::type::STR) {
        out << value.as<std::string>();
    } else if (value.type == msgpack::type::FLOAT64 || value.type == msgpack::type::FLOAT32) {
        out << std::fixed << std::setprecision(1) << value.as<double>();
    } else {
        std::string json;
        producer::append_json(value, json);
        out << json;
    }
    return out.str();
}

// One line: CURVE (with its refusals and allow-list sizes), or how the endpoints are open.
void write_security(std::ostream& out, const msgpack::object& security) {
    if (security.type != msgpack::type::MAP) {
        return; // an older broker
    }
    auto s = status_fields(security);
    if (text_of(s["curve"]) == "true") {
        out << "security: CURVE   refused handshakes: unknown key "
            << text_of(s["refused_unknown_key"]) << ", wrong role "
            << text_of(s["refused_wrong_role"]) << "   forbidden messages "
            << text_of(s["forbidden_messages"]) << "   keys: producers "
            << text_of(s["producer_keys"]) << ", workers " << text_of(s["worker_keys"])
            << ", admins " << text_of(s["admin_keys"]) << "\n";
    } else if (text_of(s["insecure"]) == "true") {
        out << "security: INSECURE: plain TCP beyond loopback (security.insecure: true)\n";
    } else {
        out << "security: none (loopback or ipc only)\n";
    }
}

void write_workers(std::ostream& out, const msgpack::object& workers) {
    out << "workers:\n  " << std::left << std::setw(24) << "WORKER" << std::setw(16) << "HOST"
        << std::setw(8) << "PID" << std::setw(24) << "TYPES" << std::setw(8) << "CREDIT"
        << std::setw(11) << "IN FLIGHT"
        << "LAST HEARD\n";
    for (std::uint32_t i = 0; workers.type == msgpack::type::ARRAY && i < workers.via.array.size;
         ++i) {
        auto w = status_fields(workers.via.array.ptr[i]);
        std::string types;
        for (const auto& [type, batch] : status_fields(w["types"])) {
            types += (types.empty() ? "" : ",") + type + "/" + text_of(batch);
        }
        out << "  " << std::setw(24) << text_of(w["worker"]) << std::setw(16) << text_of(w["host"])
            << std::setw(8) << text_of(w["pid"]) << std::setw(24) << types << std::setw(8)
            << text_of(w["credit"]) << std::setw(11) << text_of(w["in_flight"])
            << text_of(w["last_heartbeat_ms_ago"]) << " ms ago\n";
    }
}

// Job types whose jobs wait with no live worker: the likeliest reason for a queue that never
// drains.
void write_unserved(std::ostream& out, const msgpack::object& unserved) {
    if (unserved.type != msgpack::type::ARRAY || unserved.via.array.size == 0) {
        return;
    }
    out << "unserved job types (queued, no live worker serves them):\n";
    for (std::uint32_t i = 0; i < unserved.via.array.size; ++i) {
        auto entry = status_fields(unserved.via.array.ptr[i]);
        const double seconds =
            entry["seconds"].type == msgpack::type::FLOAT64 ? entry["seconds"].as<double>() : 0.0;
        out << "  " << std::left << std::setw(32) << text_of(entry["type"])
            << text_of(entry["queued"]) << " queued, no worker for "
            << static_cast<long long>(seconds) << " s\n";
    }
}

void write_dead_letters(std::ostream& out, const msgpack::object& letters) {
    if (letters.type != msgpack::type::ARRAY || letters.via.array.size == 0) {
        return;
    }
    out << "dead letters (most recent last):\n";
    for (std::uint32_t i = 0; i < letters.via.array.size; ++i) {
        auto letter = status_fields(letters.via.array.ptr[i]);
        out << "  " << text_of(letter["client"]) << "/" << text_of(letter["id"]) << " ("
            << text_of(letter["type"]) << ")\n";
        const auto& causes = letter["causes"];
        for (std::uint32_t j = 0; causes.type == msgpack::type::ARRAY && j < causes.via.array.size;
             ++j) {
            auto cause = status_fields(causes.via.array.ptr[j]);
            out << "    attempt " << j + 1 << ": " << text_of(cause["code"]) << ": "
                << text_of(cause["message"]) << "\n";
        }
    }
}

} // namespace

std::string fetch_status(const std::string& endpoint, std::chrono::milliseconds timeout,
                         const security::ClientCurve& curve) {
    zmq::context_t context(1);
    zmq::socket_t socket(context, zmq::socket_type::dealer);
    socket.set(zmq::sockopt::linger, 0);
    security::apply_client_curve(socket, curve);
    security::HandshakeWatch watch(context, socket, curve);
    socket.connect(endpoint);
    const auto frames = wire::encode(wire::Status{});
    (void)socket.send(zmq::buffer(frames.header), zmq::send_flags::sndmore);
    (void)socket.send(zmq::buffer(frames.body), zmq::send_flags::none);
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        zmq::pollitem_t item{socket.handle(), 0, ZMQ_POLLIN, 0};
        if (zmq::poll(&item, 1, std::chrono::milliseconds(50)) == 0) {
            if (const std::string refusal = watch.refusal(); !refusal.empty()) {
                throw StatusRefused(refusal);
            }
            continue;
        }
        std::vector<zmq::message_t> parts;
        (void)zmq::recv_multipart(socket, std::back_inserter(parts));
        if (parts.size() != 2) {
            continue;
        }
        auto decoded = wire::decode(parts[0].to_string_view(), parts[1].to_string_view());
        if (auto* message = std::get_if<wire::Message>(&decoded)) {
            if (auto* reply = std::get_if<wire::StatusReply>(message)) {
                return reply->status;
            }
            if (auto* error = std::get_if<wire::ErrorReply>(message)) {
                throw StatusRefused("the broker at " + endpoint + " refused: " + error->code +
                                    ": " + error->message);
            }
        }
    }
    throw std::runtime_error("no status from a broker at " + endpoint + " within " +
                             std::to_string(timeout.count()) +
                             " ms; is it running? (pass its producers endpoint with --broker; a "
                             "broker with CURVE answers only --key-file and --server-key)");
}

void write_status_table(std::ostream& out, const msgpack::object& status) {
    auto s = status_fields(status);
    auto rates = status_fields(s["rates"]);
    out << "broker " << text_of(s["broker"]) << "   up " << text_of(s["uptime_s"]) << " s\n"
        << "jobs: pending " << text_of(s["pending"]) << "   in flight " << text_of(s["in_flight"])
        << "   done " << text_of(s["done"]) << "   failed " << text_of(s["failed"]) << "   retries "
        << text_of(s["retries"]) << "   rate " << text_of(rates["done_per_s"]) << "/s\n"
        << "dropped: duplicate results " << text_of(s["duplicates_dropped"])
        << "   malformed messages " << text_of(s["malformed_messages"]) << "   dead letters "
        << text_of(s["dead_letters_total"]) << "\n"
        << "outcomes: kept for their producers " << text_of(s["outcomes_kept"])
        << "   acknowledged " << text_of(s["acknowledged"]) << "   sent again "
        << text_of(s["redelivered"]) << "\n";
    if (text_of(s["journal_full"]) == "true") {
        out << "JOURNAL DISK FULL: new jobs are refused (JOURNAL_FULL) until space returns; "
               "held jobs are still served\n";
    }
    write_security(out, s["security"]);
    out << "queues:\n";
    for (const auto& [type, depth] : status_fields(s["queues"])) {
        out << "  " << std::left << std::setw(32) << type << text_of(depth) << "\n";
    }
    write_unserved(out, s["unserved"]);
    write_workers(out, s["workers"]);
    write_dead_letters(out, s["dead_letters"]);
}

} // namespace ferry::app
