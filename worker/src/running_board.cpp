// A memfd of fixed-size slots: a state word, a key count, then length-prefixed keys.
#include "ferry/worker/running_board.hpp"

#include <atomic>
#include <cstring>
#include <stdexcept>
#include <sys/mman.h>
#include <sys/stat.h>
#include <system_error>
#include <unistd.h>

namespace ferry::worker {
namespace {

// Slot layout: state (u32), ready (u32), count (u32), then `count` x (u32 length, bytes).
enum State : std::uint32_t { idle = 0, writing = 1, inside = 2, overflow = 3 };
constexpr std::size_t header_bytes = 12;

std::atomic_ref<std::uint32_t> word(char* slot, std::size_t index) {
    return std::atomic_ref<std::uint32_t>(*reinterpret_cast<std::uint32_t*>(slot + 4 * index));
}

char* map_board(int fd, std::size_t bytes) {
    void* at = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (at == MAP_FAILED)
        throw std::system_error(errno, std::generic_category(), "mapping the running board");
    return static_cast<char*>(at);
}

} // namespace

RunningBoard RunningBoard::create(std::size_t slots) {
    RunningBoard board;
    board.fd_ = memfd_create("ferry-running-board", 0); // inherited by the exec'd children
    if (board.fd_ < 0)
        throw std::system_error(errno, std::generic_category(), "creating the running board");
    if (ftruncate(board.fd_, static_cast<off_t>(slots * slot_bytes)) != 0)
        throw std::system_error(errno, std::generic_category(), "sizing the running board");
    board.slots_ = slots;
    board.base_ = map_board(board.fd_, slots * slot_bytes);
    return board;
}

RunningBoard RunningBoard::attach(int fd, std::size_t slot) {
    struct stat info {};
    if (fstat(fd, &info) != 0 || info.st_size < static_cast<off_t>((slot + 1) * slot_bytes))
        throw std::invalid_argument("the running board fd is not the supervisor's board");
    RunningBoard board;
    board.fd_ = fd;
    board.slots_ = static_cast<std::size_t>(info.st_size) / slot_bytes;
    board.base_ = map_board(fd, board.slots_ * slot_bytes);
    board.mine_ = slot;
    return board;
}

RunningBoard::RunningBoard(RunningBoard&& other) noexcept {
    *this = std::move(other);
}

RunningBoard& RunningBoard::operator=(RunningBoard&& other) noexcept {
    std::swap(fd_, other.fd_);
    std::swap(base_, other.base_);
    std::swap(slots_, other.slots_);
    std::swap(mine_, other.mine_);
    return *this;
}

RunningBoard::~RunningBoard() {
    if (base_ != nullptr)
        munmap(base_, slots_ * slot_bytes);
    if (fd_ >= 0)
        close(fd_);
}

char* RunningBoard::slot_at(std::size_t slot) const {
    return base_ + slot * slot_bytes;
}

template <class Keys, class KeyOf> void RunningBoard::write_keys(const Keys& keys, KeyOf key_of) {
    if (base_ == nullptr)
        return;
    char* slot = slot_at(mine_);
    word(slot, 0).store(writing, std::memory_order_release);
    std::size_t at = header_bytes;
    for (const auto& item : keys) {
        const std::string& key = key_of(item);
        if (at + 4 + key.size() > slot_bytes) {
            word(slot, 0).store(overflow, std::memory_order_release);
            return;
        }
        const auto length = static_cast<std::uint32_t>(key.size());
        std::memcpy(slot + at, &length, 4);
        std::memcpy(slot + at + 4, key.data(), key.size());
        at += 4 + key.size();
    }
    word(slot, 2).store(static_cast<std::uint32_t>(keys.size()), std::memory_order_relaxed);
    word(slot, 0).store(inside, std::memory_order_release);
}

void RunningBoard::enter(const std::vector<std::string>& keys) {
    write_keys(keys, [](const std::string& key) -> const std::string& { return key; });
}

void RunningBoard::enter_batch(const std::vector<wire::Job>& jobs) {
    write_keys(jobs, [](const wire::Job& job) -> const std::string& { return job.id; });
}

void RunningBoard::leave() {
    if (base_ != nullptr)
        word(slot_at(mine_), 0).store(idle, std::memory_order_release);
}

void RunningBoard::mark_ready() {
    if (base_ != nullptr)
        word(slot_at(mine_), 1).store(1, std::memory_order_release);
}

std::optional<std::vector<std::string>> RunningBoard::running(std::size_t slot) const {
    char* at = slot_at(slot);
    const std::uint32_t state = word(at, 0).load(std::memory_order_acquire);
    if (state == idle)
        return std::vector<std::string>{};
    if (state != inside)
        return std::nullopt;
    const std::uint32_t count = word(at, 2).load(std::memory_order_relaxed);
    std::vector<std::string> keys;
    std::size_t offset = header_bytes;
    for (std::uint32_t i = 0; i < count; ++i) {
        std::uint32_t length = 0;
        std::memcpy(&length, at + offset, 4);
        if (offset + 4 + length > slot_bytes)
            return std::nullopt;
        keys.emplace_back(at + offset + 4, length);
        offset += 4 + length;
    }
    return keys;
}

bool RunningBoard::ready(std::size_t slot) const {
    return word(slot_at(slot), 1).load(std::memory_order_acquire) == 1;
}

void RunningBoard::reset(std::size_t slot) {
    char* at = slot_at(slot);
    word(at, 0).store(idle, std::memory_order_relaxed);
    word(at, 1).store(0, std::memory_order_relaxed);
    word(at, 2).store(0, std::memory_order_release);
}

} // namespace ferry::worker
