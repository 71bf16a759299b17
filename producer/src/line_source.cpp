// Block-buffered line splitting for JSON Lines input (files and standard input alike).
#include "ferry/producer/line_source.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fmt/format.h>
#include <stdexcept>
#include <unistd.h>

namespace ferry::producer {

LineSource::LineSource(int fd, bool owned, std::string name, std::size_t block)
    : fd_(fd), owned_(owned), name_(std::move(name)),
      buffer_(std::max<std::size_t>(block, 1), '\0') {}

LineSource::~LineSource() {
    if (owned_)
        ::close(fd_);
}

std::optional<std::string_view> LineSource::next() {
    for (;;) {
        const char* start = buffer_.data() + begin_;
        if (const void* newline = std::memchr(start, '\n', end_ - begin_)) {
            const auto length = static_cast<std::size_t>(static_cast<const char*>(newline) - start);
            line_offset_ = buffer_at_ + begin_;
            begin_ += length + 1;
            return std::string_view(start, length);
        }
        if (eof_ || !fill())
            break;
    }
    if (begin_ == end_)
        return std::nullopt;
    line_offset_ = buffer_at_ + begin_; // the last line has no newline
    const std::string_view rest(buffer_.data() + begin_, end_ - begin_);
    begin_ = end_;
    return rest;
}

// Moves the unfinished line to the front, doubles the buffer only when that line fills it (a
// line longer than a block), and reads; false at the end of the input.
bool LineSource::fill() {
    const std::size_t kept = end_ - begin_;
    std::memmove(buffer_.data(), buffer_.data() + begin_, kept);
    buffer_at_ += begin_;
    begin_ = 0;
    end_ = kept;
    if (end_ == buffer_.size())
        buffer_.resize(buffer_.size() * 2);
    for (;;) {
        const ssize_t got = ::read(fd_, buffer_.data() + end_, buffer_.size() - end_);
        if (got > 0) {
            end_ += static_cast<std::size_t>(got);
            return true;
        }
        if (got == 0) {
            eof_ = true;
            return false;
        }
        if (errno != EINTR) {
            throw std::runtime_error(
                fmt::format("cannot read input '{}': {}", name_, std::strerror(errno)));
        }
    }
}

} // namespace ferry::producer
