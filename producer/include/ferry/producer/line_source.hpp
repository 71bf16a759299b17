// Lines of a file or a pipe, read in large blocks and split in place.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ferry::producer {

// Reads a file descriptor a block at a time (no per-character stdio calls) and hands out its
// lines without their '\n'. A final line without a newline is a line; a line longer than a block
// grows the buffer. The descriptor is closed on destruction when owned.
class LineSource {
  public:
    // Reads `fd`; `name` is what error messages call it. `block` is the buffer's starting size.
    LineSource(int fd, bool owned, std::string name, std::size_t block = 1 << 16);
    ~LineSource();
    LineSource(const LineSource&) = delete;
    LineSource& operator=(const LineSource&) = delete;

    // The next line, valid until the next call; empty at the end. Throws std::runtime_error
    // naming the input when reading fails.
    [[nodiscard]] std::optional<std::string_view> next();
    // Byte offset of the line next() returned last.
    [[nodiscard]] std::uint64_t line_offset() const { return line_offset_; }

  private:
    bool fill();

    int fd_;                        // the descriptor read
    bool owned_;                    // close it at the end
    std::string name_;              // for error messages
    std::string buffer_;            // bytes read, not yet handed out, from begin_ to end_
    std::size_t begin_ = 0;         // first byte not yet handed out
    std::size_t end_ = 0;           // one past the last byte read
    std::uint64_t buffer_at_ = 0;   // input offset of buffer_[0]
    std::uint64_t line_offset_ = 0; // input offset of the last line handed out
    bool eof_ = false;              // read() said the input ended
};

} // namespace ferry::producer
