// Output records (JSON Lines or MessagePack) in input or completion order.
#include "ferry/producer/output_writer.hpp"

#include "ferry/producer/msgpack_json.hpp"
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

// ,"error":{...} and, when there are any, ,"causes":[...]
void append_failure_json(const wire::Error& error, const std::vector<wire::Error>& causes,
                         std::string& out) {
    out += ",\"error\":";
    append_error_json(error, out);
    if (causes.empty())
        return;
    out += ",\"causes\":[";
    for (std::size_t i = 0; i < causes.size(); ++i) {
        if (i > 0)
            out += ",";
        append_error_json(causes[i], out);
    }
    out += "]";
}

// ,"failed":[{"id","stage","error","causes"}...]: the failed branches of a fan-out.
void append_branches_json(const std::vector<BranchFailure>& branches, std::string& out) {
    out += ",\"failed\":[";
    for (std::size_t i = 0; i < branches.size(); ++i) {
        out += i > 0 ? ",{\"id\":" : "{\"id\":";
        append_json_string(branches[i].id, out);
        out += ",\"stage\":";
        append_json_string(branches[i].stage, out);
        append_failure_json(branches[i].error, branches[i].causes, out);
        out += "}";
    }
    out += "]";
}

using wire::pack_error;
using wire::pack_str;

// What failed and what to do: every whole record already written stays, and --resume completes
// the rest (a cut-off last record is trimmed first), so the user frees space and resumes.
std::string write_failure(std::string_view what, const std::string& path, int error) {
    std::string message =
        fmt::format("cannot {} output '{}': {}", what, path, std::strerror(error));
    if (path != "-") {
        message += "; the records already in it are kept: make room (or fix the cause) and run the "
                   "same command again with --resume to complete the rest";
    }
    return message;
}

// "error" and, when there are any, "causes", as map entries.
void pack_failure(msgpack::packer<msgpack::sbuffer>& packer, const wire::Error& error,
                  const std::vector<wire::Error>& causes) {
    pack_str(packer, "error");
    pack_error(packer, error);
    if (causes.empty())
        return;
    pack_str(packer, "causes");
    packer.pack_array(static_cast<std::uint32_t>(causes.size()));
    for (const auto& cause : causes)
        pack_error(packer, cause);
}

void pack_branches(msgpack::packer<msgpack::sbuffer>& packer,
                   const std::vector<BranchFailure>& branches) {
    pack_str(packer, "failed");
    packer.pack_array(static_cast<std::uint32_t>(branches.size()));
    for (const auto& branch : branches) {
        packer.pack_map(branch.causes.empty() ? 3 : 4);
        pack_str(packer, "id");
        pack_str(packer, branch.id);
        pack_str(packer, "stage");
        pack_str(packer, branch.stage);
        pack_failure(packer, branch.error, branch.causes);
    }
}

} // namespace

void append_record_json(const JobOutcome& outcome, std::string& out) {
    out += "{\"id\":";
    append_json_string(outcome.id, out);
    if (outcome.ok) {
        out += ",\"status\":\"ok\",\"result\":";
        append_json_from_msgpack(outcome.result, out);
    } else {
        out += ",\"status\":\"failed\"";
        if (!outcome.stage.empty()) {
            out += ",\"stage\":";
            append_json_string(outcome.stage, out);
        }
        append_failure_json(outcome.error, outcome.causes, out);
        if (!outcome.result.empty()) {
            out += ",\"result\":";
            append_json_from_msgpack(outcome.result, out);
        }
        if (outcome.branches != nullptr)
            append_branches_json(*outcome.branches, out);
    }
    fmt::memory_buffer tail; // on the stack: formatting straight into `out` is slower
    fmt::format_to(std::back_inserter(tail), ",\"attempts\":{},\"ms\":{:.3f}", outcome.attempts,
                   outcome.ms);
    out.append(tail.data(), tail.size());
    if (!outcome.worker.empty()) {
        out += ",\"worker\":";
        append_json_string(outcome.worker, out);
    }
    out += "}";
}

std::string render_json(const JobOutcome& outcome) {
    std::string out;
    append_record_json(outcome, out);
    return out;
}

std::string render_msgpack(const JobOutcome& outcome) {
    msgpack::sbuffer buffer(256);
    msgpack::packer<msgpack::sbuffer> packer(buffer);
    const bool partial = !outcome.ok && !outcome.result.empty();
    std::uint32_t fields = 5 + (outcome.ok ? 0 : (outcome.causes.empty() ? 0 : 1)) +
                           (outcome.ok || outcome.stage.empty() ? 0 : 1) + (partial ? 1 : 0) +
                           (outcome.branches != nullptr ? 1 : 0);
    packer.pack_map(fields);
    pack_str(packer, "id");
    pack_str(packer, outcome.id);
    pack_str(packer, "status");
    pack_str(packer, outcome.ok ? "ok" : "failed");
    if (outcome.ok || partial) {
        pack_str(packer, "result");
        buffer.write(outcome.result.data(), outcome.result.size()); // already MessagePack
    }
    if (!outcome.ok) {
        if (!outcome.stage.empty()) {
            pack_str(packer, "stage");
            pack_str(packer, outcome.stage);
        }
        pack_failure(packer, outcome.error, outcome.causes);
        if (outcome.branches != nullptr)
            pack_branches(packer, *outcome.branches);
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

// Overwrites `out` with the record, keeping its capacity.
void OutputWriter::render_into(const JobOutcome& outcome, std::string& out) const {
    out.clear();
    if (format_ == OutputFormat::msgpack) {
        out += render_msgpack(outcome);
        return;
    }
    append_record_json(outcome, out);
    out.push_back('\n');
}

// An index behind the order (never given twice by the producer) is written at once rather than
// parked where it would never come out.
void OutputWriter::write(const JobOutcome& outcome) {
    if (order_ == OutputOrder::completion || outcome.index < next_index_) {
        render_into(outcome, scratch_);
        emit(scratch_, outcome.delivery, outcome.more_deliveries);
        return;
    }
    if (outcome.index == next_index_) {
        render_into(outcome, scratch_);
        emit(scratch_, outcome.delivery, outcome.more_deliveries);
        ++next_index_;
        drain_in_order();
        return;
    }
    Slot& slot = slot_for(outcome.index);
    render_into(outcome, slot.record);
    slot.state = Slot::State::record;
    slot.delivery = outcome.delivery;
    slot.more_deliveries.clear();
    if (outcome.more_deliveries != nullptr)
        slot.more_deliveries = *outcome.more_deliveries;
    ++held_;
}

void OutputWriter::skip(std::uint64_t index) {
    if (order_ == OutputOrder::completion)
        return;
    if (index < next_index_)
        return;
    if (index == next_index_) {
        ++next_index_;
        drain_in_order();
        return;
    }
    slot_for(index).state = Slot::State::skipped;
    ++held_;
}

OutputWriter::Slot& OutputWriter::slot_for(std::uint64_t index) {
    const auto distance = static_cast<std::size_t>(index - next_index_);
    if (distance >= ring_.size())
        grow(distance + 1);
    return ring_[index & (ring_.size() - 1)];
}

// Doubles the ring until it spans `needed` positions; held slots move to their new places.
void OutputWriter::grow(std::size_t needed) {
    std::size_t size = ring_.empty() ? 64 : ring_.size();
    while (size < needed)
        size *= 2;
    std::vector<Slot> grown(size);
    for (std::size_t i = 0; i < ring_.size(); ++i) {
        const std::uint64_t index = next_index_ + i;
        grown[index & (size - 1)] = std::move(ring_[index & (ring_.size() - 1)]);
    }
    ring_ = std::move(grown);
}

void OutputWriter::drain_in_order() {
    while (held_ > 0) {
        Slot& slot = ring_[next_index_ & (ring_.size() - 1)];
        if (slot.state == Slot::State::empty)
            return;
        if (slot.state == Slot::State::record)
            emit(slot.record, slot.delivery, &slot.more_deliveries);
        slot.state = Slot::State::empty;
        --held_;
        ++next_index_;
    }
}

void OutputWriter::emit(std::string_view record, std::optional<Delivery> delivery,
                        const std::vector<Delivery>* more) {
    if (std::fwrite(record.data(), 1, record.size(), file_) != record.size()) {
        throw OutputError(write_failure("write", path_, errno));
    }
    ++written_;
    if (delivery)
        unflushed_.push_back(*delivery);
    if (more != nullptr)
        unflushed_.insert(unflushed_.end(), more->begin(), more->end());
}

void OutputWriter::flush() {
    if (std::fflush(file_) != 0) {
        throw OutputError(write_failure("flush", path_, errno));
    }
    flushed_.insert(flushed_.end(), unflushed_.begin(), unflushed_.end());
    unflushed_.clear();
}

// Records still waiting for a predecessor (an interrupted run) are written out of order, so
// what finished is kept; --resume reads ids, not positions.
void OutputWriter::finish() {
    for (std::size_t i = 0; i < ring_.size() && held_ > 0; ++i) {
        Slot& slot = ring_[(next_index_ + i) & (ring_.size() - 1)];
        if (slot.state == Slot::State::record)
            emit(slot.record, slot.delivery, &slot.more_deliveries);
        if (slot.state != Slot::State::empty)
            --held_;
        slot.state = Slot::State::empty;
    }
    flush();
}

} // namespace ferry::producer
