// Output records (JSON Lines or MessagePack) in input or completion order.
#include "ferry/producer/output_writer.hpp"

#include "ferry/producer/json_msgpack.hpp"
#include "ferry/wire/float64.hpp"
#include "ferry/wire/msgpack_values.hpp"

#include <cerrno>
#include <cstring>
#include <fmt/format.h>
#include <iterator>
#include <msgpack.hpp>
#include <stdexcept>

namespace ferry::producer {
namespace {

void append_error_json(const wire::Error& error, std::string& out) {
    out += "{\"code\":";
    append_json_string(error.code, out);
    out += ",\"message\":";
    append_json_string(error.message, out);
    if (error.traceback) {
        out += ",\"traceback\":";
        append_json_string(*error.traceback, out);
    }
    if (error.worker) {
        out += ",\"worker\":";
        append_json_string(*error.worker, out);
    }
    out += "}";
}

using wire::pack_error;
using wire::pack_str;

} // namespace

std::string render_json(const JobOutcome& outcome) {
    std::string out = "{\"id\":";
    append_json_string(outcome.id, out);
    if (outcome.ok) {
        out += ",\"status\":\"ok\",\"result\":";
        append_json_from_msgpack(outcome.result, out);
    } else {
        out += ",\"status\":\"failed\",\"error\":";
        append_error_json(outcome.error, out);
        if (!outcome.causes.empty()) {
            out += ",\"causes\":[";
            for (std::size_t i = 0; i < outcome.causes.size(); ++i) {
                if (i > 0)
                    out += ",";
                append_error_json(outcome.causes[i], out);
            }
            out += "]";
        }
    }
    fmt::format_to(std::back_inserter(out), ",\"attempts\":{},\"ms\":{:.3f}", outcome.attempts,
                   outcome.ms);
    if (!outcome.worker.empty()) {
        out += ",\"worker\":";
        append_json_string(outcome.worker, out);
    }
    out += "}";
    return out;
}

std::string render_msgpack(const JobOutcome& outcome) {
    msgpack::sbuffer buffer(256);
    msgpack::packer<msgpack::sbuffer> packer(buffer);
    std::uint32_t fields = 5 + (outcome.ok ? 0 : (outcome.causes.empty() ? 0 : 1));
    packer.pack_map(fields);
    pack_str(packer, "id");
    pack_str(packer, outcome.id);
    pack_str(packer, "status");
    pack_str(packer, outcome.ok ? "ok" : "failed");
    if (outcome.ok) {
        pack_str(packer, "result");
        buffer.write(outcome.result.data(), outcome.result.size()); // already MessagePack
    } else {
        pack_str(packer, "error");
        pack_error(packer, outcome.error);
        if (!outcome.causes.empty()) {
            pack_str(packer, "causes");
            packer.pack_array(static_cast<std::uint32_t>(outcome.causes.size()));
            for (const auto& cause : outcome.causes)
                pack_error(packer, cause);
        }
    }
    pack_str(packer, "attempts");
    packer.pack_uint64(outcome.attempts);
    pack_str(packer, "ms");
    const auto ms = wire::float64_bytes(outcome.ms);
    buffer.write(ms.data(), ms.size());
    return std::string(buffer.data(), buffer.size());
}

OutputWriter::OutputWriter(const std::string& path, OutputOrder order, OutputFormat format,
                           bool append)
    : path_(path), order_(order), format_(format) {
    if (path == "-") {
        file_ = stdout;
        return;
    }
    file_ = std::fopen(path.c_str(), append ? "ab" : "wb");
    if (file_ == nullptr) {
        throw std::runtime_error(
            fmt::format("cannot open output '{}' for writing: {}", path, std::strerror(errno)));
    }
    owns_file_ = true;
}

OutputWriter::~OutputWriter() {
    if (owns_file_)
        std::fclose(file_);
}

std::string OutputWriter::render(const JobOutcome& outcome) const {
    if (format_ == OutputFormat::msgpack)
        return render_msgpack(outcome);
    std::string line = render_json(outcome);
    line.push_back('\n');
    return line;
}

void OutputWriter::write(const JobOutcome& outcome) {
    if (order_ == OutputOrder::completion) {
        emit(render(outcome), outcome.delivery);
        return;
    }
    pending_.emplace(outcome.index, Pending{render(outcome), outcome.delivery});
    drain_in_order();
}

void OutputWriter::skip(std::uint64_t index) {
    if (order_ == OutputOrder::completion)
        return;
    skipped_.insert(index);
    drain_in_order();
}

void OutputWriter::drain_in_order() {
    for (;;) {
        if (skipped_.erase(next_index_) > 0) {
            ++next_index_;
            continue;
        }
        auto it = pending_.find(next_index_);
        if (it == pending_.end())
            return;
        emit(std::move(it->second.record), it->second.delivery);
        pending_.erase(it);
        ++next_index_;
    }
}

void OutputWriter::emit(std::string record, std::optional<Delivery> delivery) {
    if (std::fwrite(record.data(), 1, record.size(), file_) != record.size()) {
        throw std::runtime_error(
            fmt::format("cannot write output '{}': {}", path_, std::strerror(errno)));
    }
    ++written_;
    if (delivery)
        unflushed_.push_back(*delivery);
}

void OutputWriter::flush() {
    if (std::fflush(file_) != 0) {
        throw std::runtime_error(
            fmt::format("cannot flush output '{}': {}", path_, std::strerror(errno)));
    }
    flushed_.insert(flushed_.end(), unflushed_.begin(), unflushed_.end());
    unflushed_.clear();
}

// Records still waiting for a predecessor (an interrupted run) are written out of order, so
// what finished is kept; --resume reads ids, not positions.
void OutputWriter::finish() {
    for (auto& [index, pending] : pending_)
        emit(std::move(pending.record), pending.delivery);
    pending_.clear();
    flush();
}

} // namespace ferry::producer
