// pread()-based reads at offsets, newline counting, and unlinked scratch files.
#include "ferry/producer/positional_file.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fmt/format.h>
#include <stdexcept>
#include <unistd.h>
#include <utility>

namespace ferry::producer {

PositionalFile::PositionalFile(const std::string& path)
    : fd_(::open(path.c_str(), O_RDONLY | O_CLOEXEC)), path_(path) {
    if (fd_ < 0) {
        throw std::runtime_error(
            fmt::format("cannot open '{}' for reading: {}", path, std::strerror(errno)));
    }
}

PositionalFile::~PositionalFile() {
    if (fd_ >= 0)
        ::close(fd_);
}

PositionalFile::PositionalFile(PositionalFile&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), path_(std::move(other.path_)) {}

PositionalFile& PositionalFile::operator=(PositionalFile&& other) noexcept {
    if (this != &other) {
        if (fd_ >= 0)
            ::close(fd_);
        fd_ = std::exchange(other.fd_, -1);
        path_ = std::move(other.path_);
    }
    return *this;
}

void PositionalFile::read_at(std::uint64_t offset, std::size_t size, std::string& out) const {
    out.resize(size);
    std::size_t got = 0;
    while (got < size) {
        const ssize_t n =
            ::pread(fd_, out.data() + got, size - got, static_cast<off_t>(offset + got));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            throw std::runtime_error(fmt::format("cannot read '{}' at byte {}: {}", path_,
                                                 offset + got, std::strerror(errno)));
        }
        if (n == 0)
            break;
        got += static_cast<std::size_t>(n);
    }
    out.resize(got);
}

// Lines are read in growing blocks: most records fit the first 512 bytes.
bool PositionalFile::read_line_at(std::uint64_t offset, std::string& line) const {
    std::size_t block = 512;
    for (;;) {
        read_at(offset, block, line);
        if (const auto end = line.find('\n'); end != std::string::npos) {
            line.resize(end);
        } else if (line.size() == block) {
            block *= 4;
            continue;
        } else if (line.empty()) {
            return false; // the end of the file
        }
        if (!line.empty() && line.back() == '\r')
            line.pop_back();
        return true;
    }
}

ScratchFile open_scratch_file(const std::string& purpose) {
    std::error_code error;
    std::filesystem::path directory = std::filesystem::temp_directory_path(error);
    if (error)
        directory = "/tmp";
    std::string pattern = (directory / "ferry-scratch-XXXXXX").string();
    const int fd = ::mkstemp(pattern.data());
    std::FILE* file = fd >= 0 ? ::fdopen(fd, "w+b") : nullptr;
    if (file == nullptr) {
        const int cause = errno;
        if (fd >= 0)
            ::close(fd);
        throw std::runtime_error(fmt::format(
            "cannot create a scratch file for {} in {}: {}; set TMPDIR to a writable directory",
            purpose, directory.string(), std::strerror(cause)));
    }
    ::unlink(pattern.c_str());
    return ScratchFile(file, &std::fclose);
}

} // namespace ferry::producer
