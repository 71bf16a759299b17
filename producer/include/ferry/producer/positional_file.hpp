// Reading a file at byte offsets, and an anonymous scratch file: what the compact id checks
// use to confirm a hash hit against the real record instead of keeping every id in memory.
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>

namespace ferry::producer {

// A file opened read-only and read with pread(): reads leave no position behind, so a const
// object may serve lookups while another handle appends to the same file.
class PositionalFile {
  public:
    // Opens `path`; throws std::runtime_error naming it when that fails.
    explicit PositionalFile(const std::string& path);
    ~PositionalFile();
    PositionalFile(PositionalFile&& other) noexcept;
    PositionalFile& operator=(PositionalFile&& other) noexcept;
    PositionalFile(const PositionalFile&) = delete;
    PositionalFile& operator=(const PositionalFile&) = delete;

    // Up to `size` bytes from `offset` into `out` (fewer at the end of the file).
    void read_at(std::uint64_t offset, std::size_t size, std::string& out) const;
    // The line starting at `offset`, without its "\n" (and "\r"); false when the file ends there.
    bool read_line_at(std::uint64_t offset, std::string& line) const;
    [[nodiscard]] const std::string& path() const { return path_; }

  private:
    int fd_ = -1;      // read-only descriptor
    std::string path_; // for messages
};

using ScratchFile = std::unique_ptr<std::FILE, int (*)(std::FILE*)>;

// A read-write file in the temporary directory ($TMPDIR, else /tmp) that is already unlinked:
// it disappears when closed, even if the process dies. Throws std::runtime_error saying where
// it tried and what to set when it cannot be made.
[[nodiscard]] ScratchFile open_scratch_file(const std::string& purpose);

} // namespace ferry::producer
