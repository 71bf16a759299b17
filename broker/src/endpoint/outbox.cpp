// Encoded outcome chunks per producer.
#include "ferry/broker/outbox.hpp"

namespace ferry::broker {

void Outbox::add(std::string_view record, std::uint64_t delivery) {
    if (chunks_.empty() || chunks_.back().count == per_message) {
        chunks_.push_back(Bounds{bytes_.size(), 0, delivery});
    }
    bytes_.append(record);
    chunks_.back().end = bytes_.size();
    ++chunks_.back().count;
    ++size_;
}

void Outbox::clear() noexcept {
    bytes_.clear();
    chunks_.clear();
    head_ = 0;
    size_ = 0;
}

Outbox::Chunk Outbox::front() const noexcept {
    if (chunks_.empty()) {
        return {};
    }
    const Bounds& first = chunks_.front();
    return {std::string_view(bytes_).substr(head_, first.end - head_), first.count, first.first};
}

// The buffer is reset when everything went, which is the usual case after a flush, so it is
// reused from its start with its capacity. When it never empties (a producer slower than its
// results), the sent prefix is cut once it is the larger half, so the buffer stays within twice
// what is unsent.
void Outbox::pop_front() noexcept {
    if (chunks_.empty()) {
        return;
    }
    head_ = chunks_.front().end;
    size_ -= chunks_.front().count;
    chunks_.pop_front();
    if (chunks_.empty()) {
        bytes_.clear();
        head_ = 0;
    } else if (head_ > bytes_.size() / 2) {
        bytes_.erase(0, head_);
        for (auto& chunk : chunks_) {
            chunk.end -= head_;
        }
        head_ = 0;
    }
}

} // namespace ferry::broker
