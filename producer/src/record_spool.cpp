// The checked input's scratch file: a length-prefixed binary record per item, in input order.
#include "ferry/producer/record_spool.hpp"

#include <cerrno>
#include <cstring>
#include <fmt/format.h>
#include <stdexcept>
#include <sys/statvfs.h>
#include <unistd.h>

namespace ferry::producer {
namespace {

// An item's first byte.
enum class Kind : std::uint8_t { record = 0, problem = 1 };

// Flags byte of a captured value.
constexpr std::uint8_t value_present = 1;
constexpr std::uint8_t value_numeric = 2;

void put_u64(std::uint64_t value, std::string& out) {
    out.append(reinterpret_cast<const char*>(&value), sizeof(value));
}

void put_string(const std::string& text, std::string& out) {
    put_u64(text.size(), out);
    out += text;
}

void put_value(const FieldValue& value, std::string& out) {
    std::uint8_t flags = (value.present ? value_present : 0) | (value.numeric ? value_numeric : 0);
    out.push_back(static_cast<char>(flags));
    std::uint64_t bits = 0;
    std::memcpy(&bits, &value.number, sizeof(bits));
    put_u64(bits, out);
    put_string(value.text, out);
}

// Half the free space of the file system holding `fd`: room left for everyone else.
std::uint64_t half_the_free_space(int fd) {
    struct statvfs space {};
    if (::fstatvfs(fd, &space) != 0)
        return 0;
    return static_cast<std::uint64_t>(space.f_bavail) * space.f_frsize / 2;
}

} // namespace

RecordSpool::RecordSpool(ScratchFile file, std::string input_path, std::uint64_t limit,
                         std::size_t block)
    : file_(std::move(file)), input_path_(std::move(input_path)), limit_(limit),
      block_(std::max<std::size_t>(block, 64)) {
    buffer_.reserve(block_ * 2);
}

RecordSpool RecordSpool::in_temp_directory(std::string input_path) {
    ScratchFile file = open_scratch_file("the checked input");
    const std::uint64_t limit = half_the_free_space(::fileno(file.get()));
    return RecordSpool(std::move(file), std::move(input_path), limit);
}

bool RecordSpool::append(const InputItem& item) {
    if (given_up_)
        return false;
    const std::size_t before = buffer_.size();
    if (const auto* record = std::get_if<InputRecord>(&item)) {
        buffer_.push_back(static_cast<char>(Kind::record));
        put_u64(record->line, buffer_);
        put_u64(record->index, buffer_);
        put_string(record->id, buffer_);
        put_string(record->payload, buffer_);
        put_u64(record->captured.size(), buffer_);
        for (const FieldValue& value : record->captured)
            put_value(value, buffer_);
    } else {
        const auto& problem = std::get<InputProblem>(item);
        buffer_.push_back(static_cast<char>(Kind::problem));
        put_u64(problem.line, buffer_);
        put_u64(problem.index, buffer_);
        put_string(problem.id, buffer_);
        put_string(problem.message, buffer_);
    }
    written_ += buffer_.size() - before;
    if (written_ > limit_) {
        give_up(fmt::format("it would take more than half the free space of the temporary "
                            "directory ({} bytes)",
                            limit_));
        return false;
    }
    return buffer_.size() < block_ || flush();
}

bool RecordSpool::flush() {
    if (!buffer_.empty() &&
        std::fwrite(buffer_.data(), 1, buffer_.size(), file_.get()) != buffer_.size()) {
        give_up(fmt::format("its scratch file could not be written: {}", std::strerror(errno)));
        return false;
    }
    buffer_.clear();
    return true;
}

// Gives the disk space back at once: the file is truncated, and closed with the spool.
void RecordSpool::give_up(std::string why) {
    given_up_ = true;
    why_not_ = std::move(why);
    buffer_.clear();
    buffer_.shrink_to_fit();
    std::clearerr(file_.get());
    std::rewind(file_.get());
    (void)::ftruncate(::fileno(file_.get()), 0);
}

bool RecordSpool::finish_writing() {
    if (!given_up_ && flush() && std::fflush(file_.get()) != 0)
        give_up(fmt::format("its scratch file could not be written: {}", std::strerror(errno)));
    if (!given_up_)
        std::rewind(file_.get());
    reading_ = true;
    read_at_ = 0;
    return !given_up_;
}

bool RecordSpool::need(std::size_t size) {
    while (buffer_.size() - read_at_ < size) {
        buffer_.erase(0, read_at_);
        read_at_ = 0;
        const std::size_t have = buffer_.size();
        const std::size_t want = std::max(block_, size - have);
        buffer_.resize(have + want);
        const std::size_t got = std::fread(buffer_.data() + have, 1, want, file_.get());
        buffer_.resize(have + got);
        if (got == 0) {
            if (std::ferror(file_.get()) != 0)
                throw std::runtime_error(fmt::format(
                    "cannot read back the checked input's scratch file: {}", std::strerror(errno)));
            return false;
        }
    }
    return true;
}

std::uint64_t RecordSpool::read_u64() {
    if (!need(sizeof(std::uint64_t)))
        throw std::runtime_error("the checked input's scratch file ends inside an item");
    std::uint64_t value = 0;
    std::memcpy(&value, buffer_.data() + read_at_, sizeof(value));
    read_at_ += sizeof(value);
    return value;
}

std::string RecordSpool::read_string() {
    const std::uint64_t size = read_u64();
    if (!need(size))
        throw std::runtime_error("the checked input's scratch file ends inside an item");
    std::string text(buffer_.data() + read_at_, size);
    read_at_ += size;
    return text;
}

std::optional<InputItem> RecordSpool::next() {
    if (!reading_ || given_up_ || !need(1))
        return std::nullopt;
    const auto kind = static_cast<Kind>(buffer_[read_at_++]);
    const std::uint64_t line = read_u64();
    const std::uint64_t index = read_u64();
    std::string id = read_string();
    if (kind == Kind::problem) {
        std::string message = read_string();
        return InputProblem{input_path_, line, std::move(id), std::move(message), index};
    }
    InputRecord record{std::move(id), read_string(), line, index, {}};
    record.captured.resize(read_u64());
    for (FieldValue& value : record.captured) {
        if (!need(1))
            throw std::runtime_error("the checked input's scratch file ends inside an item");
        const auto flags = static_cast<std::uint8_t>(buffer_[read_at_++]);
        value.present = (flags & value_present) != 0;
        value.numeric = (flags & value_numeric) != 0;
        const std::uint64_t bits = read_u64();
        std::memcpy(&value.number, &bits, sizeof(bits));
        value.text = read_string();
    }
    return record;
}

} // namespace ferry::producer
