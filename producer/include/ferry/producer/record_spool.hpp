// The checked input kept between the check and the submission: every item, encoded once, in an
// anonymous scratch file, replayed in input order.
#pragma once

#include "ferry/producer/input_item.hpp"
#include "ferry/producer/positional_file.hpp"

#include <cstdint>
#include <optional>
#include <string>

namespace ferry::producer {

// Items appended during the check and read back once by the run, so the input's JSON is parsed
// and its payloads packed a single time. The file is written and read through one buffer of
// `block` bytes, so memory stays flat whatever the input's size. The spool never takes more than
// `limit` bytes of its file system: past that, or on a write error, it gives up (empties its file
// and keeps nothing), and the run reads the input again instead.
class RecordSpool {
  public:
    // Keeps items in `file` (read-write, empty), for an input named `input_path` (the file name
    // of the problems it replays). `limit` is its largest size in bytes.
    RecordSpool(ScratchFile file, std::string input_path, std::uint64_t limit,
                std::size_t block = 1 << 20);

    // A spool in the temporary directory ($TMPDIR, else /tmp) allowed half of its free space.
    [[nodiscard]] static RecordSpool in_temp_directory(std::string input_path);

    // Adds an item; false (and nothing kept from then on) once the spool has given up.
    bool append(const InputItem& item);
    // Ends the writing: what was appended can now be read back with next(). False when the
    // spool gave up (now or before).
    bool finish_writing();
    // The next item in the order appended; empty at the end. Throws std::runtime_error when
    // the file cannot be read back.
    [[nodiscard]] std::optional<InputItem> next();

    [[nodiscard]] bool kept() const { return !given_up_; }
    // Why it gave up ("" while it has not).
    [[nodiscard]] const std::string& why_not_kept() const { return why_not_; }
    [[nodiscard]] std::uint64_t bytes() const { return written_; }

  private:
    void give_up(std::string why);
    bool flush();
    // Makes at least `size` unread bytes available in buffer_; false at the end of the file.
    bool need(std::size_t size);
    std::uint64_t read_u64();
    std::string read_string();

    ScratchFile file_;          // the spool's file
    std::string input_path_;    // the input, for the problems replayed
    std::uint64_t limit_;       // largest file size
    std::size_t block_;         // write and read unit
    std::string buffer_;        // bytes to write, or bytes read and not yet consumed
    std::size_t read_at_ = 0;   // first unconsumed byte of buffer_ while reading
    std::uint64_t written_ = 0; // bytes in the file and buffer_ so far
    bool reading_ = false;      // finish_writing() was called
    bool given_up_ = false;     // nothing is kept
    std::string why_not_;       // why it gave up
};

} // namespace ferry::producer
