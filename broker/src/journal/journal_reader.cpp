// Replaying a journal directory: segments in order, records folded into the unfinished jobs.
#include "ferry/broker/journal_reader.hpp"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <spdlog/spdlog.h>
#include <unordered_map>

namespace ferry::broker {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view segment_prefix = "segment-";
constexpr std::string_view segment_suffix = ".fjl";

std::string read_file(const std::string& path) {
    std::ifstream file(path, std::ios::binary);
    if (!file) {
        throw JournalError("cannot read journal segment " + path);
    }
    return std::string(std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>());
}

// Folds records into the set of held jobs. A job keeps the position of its first acceptance, so
// replay preserves FIFO order; a later accept (carried forward by compaction) refreshes it. Each
// job remembers where its live record is (the latest accept or answered record), so the writer
// knows which segments still hold something live.
class ReplayFold {
  public:
    void apply(JournalRecord&& record, JournalPlace place) {
        if (auto* accept = std::get_if<AcceptRecord>(&record)) {
            on_accept(std::move(accept->job), place);
        } else if (auto* dispatch = std::get_if<DispatchRecord>(&record)) {
            if (ReplayedJob* job = held(dispatch->key)) {
                job->job.attempts = std::max(job->job.attempts, dispatch->attempts);
                job->in_flight = true;
            }
        } else if (auto* answered = std::get_if<AnsweredRecord>(&record)) {
            on_answered(std::move(*answered), place);
        } else if (const auto it = index_.find(std::get<DoneRecord>(record).key);
                   it != index_.end()) {
            live_[it->second] = false;
            index_.erase(it);
        }
    }
    std::vector<ReplayedJob> take() {
        std::vector<ReplayedJob> result;
        result.reserve(index_.size());
        for (std::size_t i = 0; i < jobs_.size(); ++i) {
            if (live_[i]) {
                result.push_back(std::move(jobs_[i]));
            }
        }
        return result;
    }

  private:
    void on_accept(JournalJob&& job, JournalPlace place) {
        std::string key = job.client + '\x1f' + job.id;
        auto [it, fresh] = index_.try_emplace(std::move(key), jobs_.size());
        if (fresh) {
            jobs_.push_back({std::move(job), false, std::nullopt, place});
            live_.push_back(true);
        } else {
            jobs_[it->second] = {std::move(job), false, std::nullopt, place};
        }
    }
    // An answered record stands on its own: the accept it follows may be gone (compacted).
    void on_answered(AnsweredRecord&& answered, JournalPlace place) {
        std::string key = answered.client + '\x1f' + answered.id;
        auto [it, fresh] = index_.try_emplace(std::move(key), jobs_.size());
        if (fresh) {
            jobs_.push_back({});
            live_.push_back(true);
        }
        ReplayedJob& job = jobs_[it->second];
        job.job.client = std::move(answered.client);
        job.job.id = std::move(answered.id);
        job.job.payload.clear();
        job.in_flight = false;
        job.outcome = std::move(answered.outcome);
        job.place = place;
    }
    ReplayedJob* held(const std::string& key) {
        const auto it = index_.find(key);
        return it == index_.end() ? nullptr : &jobs_[it->second];
    }

    std::vector<ReplayedJob> jobs_;                      // every accepted job, in order
    std::vector<bool> live_;                             // not finished since
    std::unordered_map<std::string, std::size_t> index_; // live key -> position in jobs_
};

// A segment too short for its header can only be the last one, created just before a crash.
bool drop_headerless_tail(const std::string& path, std::size_t size, bool last) {
    if (!last || size >= segment_header_bytes) {
        return false;
    }
    spdlog::warn("journal: removing {} ({} bytes, shorter than a header: created just before a "
                 "crash)",
                 path, size);
    fs::remove(path);
    return true;
}

// Reads one segment's records; a torn tail is cut from the last segment and is an error before.
// Returns the segment's size once read (0 when it was removed as a headerless tail).
std::uint64_t read_segment(const std::string& path, std::uint32_t number, bool last,
                           ReplayFold& fold, JournalContents& contents) {
    const std::string bytes = read_file(path);
    if (drop_headerless_tail(path, bytes.size(), last)) {
        return 0;
    }
    if (decode_segment_header(bytes, path) != number) {
        throw JournalError("journal segment " + path +
                           " holds another segment's number in its "
                           "header; move it out of the journal directory");
    }
    std::size_t at = segment_header_bytes;
    while (at < bytes.size()) {
        auto decoded = decode_record(std::string_view(bytes).substr(at));
        if (!decoded) {
            break;
        }
        fold.apply(std::move(decoded->record),
                   JournalPlace{number, static_cast<std::uint32_t>(decoded->size)});
        at += decoded->size;
        ++contents.records;
    }
    if (at == bytes.size()) {
        return at;
    }
    if (!last) {
        throw JournalError("journal segment " + path + " has a damaged record at offset " +
                           std::to_string(at) +
                           " and later segments follow it; move the "
                           "directory away to start empty, or remove the damaged segment");
    }
    spdlog::warn("journal: {} ends in a torn record at offset {} ({} bytes cut): a crash "
                 "mid-append, nothing acknowledged was in it",
                 path, at, bytes.size() - at);
    contents.torn_bytes = bytes.size() - at;
    fs::resize_file(path, at);
    return at;
}

} // namespace

std::string segment_path(const std::string& dir, std::uint32_t number) {
    char name[32];
    std::snprintf(name, sizeof name, "segment-%08u.fjl", number);
    return (fs::path(dir) / name).string();
}

std::vector<std::uint32_t> list_segments(const std::string& dir) {
    fs::create_directories(dir);
    std::vector<std::uint32_t> numbers;
    for (const auto& entry : fs::directory_iterator(dir)) {
        const std::string name = entry.path().filename().string();
        if (name.size() != segment_prefix.size() + 8 + segment_suffix.size() ||
            name.rfind(segment_prefix, 0) != 0 ||
            name.substr(name.size() - segment_suffix.size()) != segment_suffix) {
            continue;
        }
        const std::string digits = name.substr(segment_prefix.size(), 8);
        if (std::all_of(digits.begin(), digits.end(),
                        [](char c) { return c >= '0' && c <= '9'; })) {
            numbers.push_back(static_cast<std::uint32_t>(std::stoul(digits)));
        }
    }
    std::sort(numbers.begin(), numbers.end());
    return numbers;
}

JournalContents read_journal(const std::string& dir) {
    JournalContents contents;
    const std::vector<std::uint32_t> numbers = list_segments(dir);
    ReplayFold fold;
    for (std::size_t i = 0; i < numbers.size(); ++i) {
        const std::uint64_t bytes = read_segment(segment_path(dir, numbers[i]), numbers[i],
                                                 i + 1 == numbers.size(), fold, contents);
        if (bytes > 0) {
            contents.segments.push_back(SegmentFile{numbers[i], bytes});
        }
    }
    contents.jobs = fold.take();
    return contents;
}

} // namespace ferry::broker
