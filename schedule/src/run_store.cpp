// The run history files: fold on load, fsynced appends, atomic rewrite on compaction.
#include "ferry/schedule/run_store.hpp"

#include "ferry/schedule/run_record_json.hpp"

#include <algorithm>
#include <cassert>
#include <cerrno>
#include <fcntl.h>
#include <fmt/format.h>
#include <fstream>
#include <spdlog/spdlog.h>
#include <sstream>
#include <stdexcept>
#include <system_error>
#include <unistd.h>

namespace ferry::schedule {
namespace {

[[noreturn]] void fail(const std::filesystem::path& path, const char* what) {
    throw std::system_error(errno, std::generic_category(),
                            fmt::format("{} {}", what, path.string()));
}

// A file descriptor closed on every path out, including a throw.
class Fd {
  public:
    Fd(const std::filesystem::path& path, int flags) : fd_(::open(path.c_str(), flags, 0644)) {
        if (fd_ < 0)
            fail(path, "cannot open");
    }
    ~Fd() { ::close(fd_); }
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    [[nodiscard]] int get() const { return fd_; }

  private:
    int fd_; // the open file
};

void write_fully(const Fd& fd, std::string_view text, const std::filesystem::path& path) {
    while (!text.empty()) {
        const ssize_t n = ::write(fd.get(), text.data(), text.size());
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            fail(path, "cannot write");
        text.remove_prefix(static_cast<std::size_t>(n));
    }
}

void sync(const Fd& fd, const std::filesystem::path& path) {
    if (::fsync(fd.get()) != 0)
        fail(path, "cannot fsync");
}

std::string read_whole(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

std::string lines_of(const std::vector<RunRecord>& records) {
    std::string text;
    for (const auto& record : records)
        text += to_json_line(record) + '\n';
    return text;
}

bool older(const RunRecord& a, const RunRecord& b) {
    return std::tie(a.nominal, a.run_id) < std::tie(b.nominal, b.run_id);
}

} // namespace

RunStore::RunStore(std::filesystem::path state_dir, std::size_t keep_last)
    : dir_(std::move(state_dir) / "runs"), keep_last_(keep_last) {
    assert(keep_last_ > 0);
}

std::filesystem::path RunStore::file_of(const std::string& pipeline) const {
    return dir_ / (pipeline + ".jsonl");
}

std::vector<RunRecord> RunStore::runs(const std::string& pipeline) {
    std::vector<RunRecord> all;
    for (const auto& [id, record] : history(pipeline).by_id)
        all.push_back(record);
    std::sort(all.begin(), all.end(), older);
    return all;
}

std::optional<RunRecord> RunStore::find(const std::string& pipeline, const std::string& run_id) {
    const auto& by_id = history(pipeline).by_id;
    auto found = by_id.find(run_id);
    if (found == by_id.end())
        return std::nullopt;
    return found->second;
}

bool RunStore::create(const RunRecord& record) {
    if (history(record.pipeline).by_id.count(record.run_id) != 0)
        return false;
    append_lines(record.pipeline, {record});
    return true;
}

void RunStore::update(const RunRecord& record) {
    assert(history(record.pipeline).by_id.count(record.run_id) != 0);
    append_lines(record.pipeline, {record});
}

void RunStore::create_all(const std::vector<RunRecord>& records) {
    std::map<std::string, std::vector<RunRecord>> fresh;
    for (const auto& record : records)
        if (history(record.pipeline).by_id.count(record.run_id) == 0)
            fresh[record.pipeline].push_back(record);
    for (const auto& [pipeline, batch] : fresh)
        append_lines(pipeline, batch);
}

RunStore::History& RunStore::history(const std::string& pipeline) {
    auto found = loaded_.find(pipeline);
    if (found != loaded_.end())
        return found->second;
    bool needs_rewrite = false;
    History& loaded = loaded_[pipeline] = load(pipeline, needs_rewrite);
    // A torn tail must go before the next append, or it would become a corrupt middle line.
    if (needs_rewrite)
        rewrite(pipeline, loaded);
    return loaded;
}

// A last line without its newline is what a crash during `write` leaves: it is dropped if it
// does not parse. Any other bad line is damage a crash cannot explain, so loading stops there.
RunStore::History RunStore::load(const std::string& pipeline, bool& needs_rewrite) const {
    History loaded;
    const auto path = file_of(pipeline);
    if (!std::filesystem::exists(path))
        return loaded;
    const std::string text = read_whole(path);
    std::size_t start = 0;
    for (std::size_t line_no = 1; start < text.size(); ++line_no) {
        const std::size_t end = std::min(text.find('\n', start), text.size());
        const bool terminated = end < text.size();
        const std::string_view line(text.data() + start, end - start);
        start = end + 1;
        needs_rewrite = needs_rewrite || !terminated;
        auto parsed = parse_json_line(line);
        if (auto* error = std::get_if<LineError>(&parsed)) {
            if (!terminated) {
                spdlog::warn("{}:{}: ignoring a torn last line (a crash while writing): {}",
                             path.string(), line_no, error->message);
                break;
            }
            throw std::runtime_error(fmt::format(
                "{}:{}: corrupt run record: {}; fix or remove the line (or move the file aside "
                "to start the history afresh)",
                path.string(), line_no, error->message));
        }
        auto& record = std::get<RunRecord>(parsed);
        loaded.by_id[record.run_id] = std::move(record);
        ++loaded.lines;
    }
    return loaded;
}

void RunStore::append_lines(const std::string& pipeline, const std::vector<RunRecord>& records) {
    History& target = history(pipeline);
    std::filesystem::create_directories(dir_);
    const auto path = file_of(pipeline);
    {
        Fd fd(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC);
        write_fully(fd, lines_of(records), path);
        sync(fd, path);
        ++syncs_;
    }
    for (const auto& record : records)
        target.by_id[record.run_id] = record;
    target.lines += records.size();
    compact_if_needed(pipeline);
}

void RunStore::compact_if_needed(const std::string& pipeline) {
    History& target = loaded_.at(pipeline);
    if (target.lines <= 2 * keep_last_)
        return;
    rewrite(pipeline, target);
}

// Kept: every pending or running run, the newest scheduled run (the plan's "last nominal time",
// so a restart never catches up on times it already handled) and the newest keep_last others.
std::vector<RunRecord> RunStore::retained(const History& history) const {
    std::vector<RunRecord> all;
    for (const auto& [id, record] : history.by_id)
        all.push_back(record);
    std::sort(all.begin(), all.end(), older);
    const RunRecord* newest_scheduled = nullptr;
    for (const auto& record : all)
        if (record.reason == RunReason::scheduled || record.reason == RunReason::catchup)
            newest_scheduled = &record;
    std::vector<RunRecord> kept;
    std::size_t finished_seen = 0;
    for (auto it = all.rbegin(); it != all.rend(); ++it) {
        const bool finished = is_final(it->state);
        if (!finished || finished_seen < keep_last_ || &*it == newest_scheduled)
            kept.push_back(*it);
        finished_seen += finished ? 1 : 0;
    }
    std::reverse(kept.begin(), kept.end());
    return kept;
}

// The new file is complete and forced before the rename, and the rename is forced by syncing the
// directory: after a crash the history is either the old file or the new one, never a mix.
void RunStore::rewrite(const std::string& pipeline, History& target) {
    const auto kept = retained(target);
    const auto path = file_of(pipeline);
    auto temp = path;
    temp += ".tmp";
    {
        Fd fd(temp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC);
        write_fully(fd, lines_of(kept), temp);
        sync(fd, temp);
    }
    std::filesystem::rename(temp, path);
    sync(Fd(dir_, O_RDONLY | O_DIRECTORY | O_CLOEXEC), dir_);
    ++syncs_;
    ++rewrites_;
    target.by_id.clear();
    for (const auto& record : kept)
        target.by_id[record.run_id] = record;
    target.lines = kept.size();
}

} // namespace ferry::schedule
