// One read of the input before submitting: problems, duplicates, and the packed items kept.
#include "ferry/producer/input_check.hpp"

#include "ferry/producer/positional_file.hpp"

#include <algorithm>
#include <filesystem>
#include <spdlog/spdlog.h>
#include <stdexcept>

namespace ferry::producer {
namespace {

// Adds the first `limit` duplicates to the first `limit` other problems, and keeps the first
// `limit` of all in line order. (Check problems are only printed: their index is not used.)
void add_duplicate_problems(const PositionalFile& file, const DuplicateLines& duplicates,
                            std::size_t limit, std::vector<InputProblem>& problems) {
    for (std::size_t i = 0; i < duplicates.size() && i < limit; ++i) {
        const Duplicate& duplicate = duplicates.lines()[i];
        std::string id = record_id_at(file, duplicate.offset, duplicate.line);
        std::string message = duplicate_id_message(id, duplicate.first_line);
        problems.push_back(
            InputProblem{file.path(), duplicate.line, std::move(id), std::move(message), 0});
    }
    std::stable_sort(problems.begin(), problems.end(),
                     [](const InputProblem& a, const InputProblem& b) { return a.line < b.line; });
    if (problems.size() > limit)
        problems.resize(limit);
}

// A regular file's ids go to a DuplicateFinder rather than the reader's in-memory set: the file
// can be read again at the flagged lines to confirm what the finder flags. Anything else (a
// pipe) keeps the set. No scratch file means nothing can run: a usage error (exit 2), like an
// unreadable input.
std::optional<DuplicateFinder> finder_for(const std::string& path, InputReader& reader,
                                          IdHash hash) {
    if (path == "-" || !std::filesystem::is_regular_file(path))
        return std::nullopt;
    reader.skip_duplicate_check();
    try {
        return std::optional<DuplicateFinder>(std::in_place, hash);
    } catch (const std::runtime_error& error) {
        throw InputError(error.what());
    }
}

void log_not_kept(const std::string& path, const std::string& why) {
    spdlog::info("input {}: not kept for the run ({}); it is read again", path, why);
}

// The spool the check keeps its items in, or null when it keeps nothing.
std::unique_ptr<RecordSpool> spool_for(const std::string& path, const CheckOptions& options) {
    if (!options.keep)
        return nullptr;
    try {
        return std::make_unique<RecordSpool>(RecordSpool::in_temp_directory(path));
    } catch (const std::runtime_error& error) {
        log_not_kept(path, error.what());
        return nullptr;
    }
}

// Keeps `item` in the check's spool. When the spool gives up, or when a problem means nothing
// will run, the spool is dropped (its space given back) and the reader only checks from then on.
void keep(InputCheck& check, InputReader& reader, const InputItem& item,
          const CheckOptions& options) {
    if (!check.spool)
        return;
    const bool refused = !options.skip_invalid && std::holds_alternative<InputProblem>(item);
    if (!refused && check.spool->append(item))
        return;
    if (!refused)
        log_not_kept(reader.path(), check.spool->why_not_kept());
    check.spool.reset();
    reader.skip_payload_encoding();
}

} // namespace

InputCheck check_input(const std::string& path, const CheckOptions& options) {
    InputCheck check;
    InputReader reader(path, options.capture, options.hash);
    reader.pack_arrays(options.arrays);
    check.spool = spool_for(path, options);
    if (!check.spool)
        reader.skip_payload_encoding();
    std::optional<DuplicateFinder> finder = finder_for(path, reader, options.hash);
    while (auto item = reader.next()) {
        keep(check, reader, *item, options);
        if (auto* found = std::get_if<InputProblem>(&*item)) {
            if (check.problems.size() < options.problem_limit)
                check.problems.push_back(std::move(*found));
            continue;
        }
        ++check.records;
        if (finder) {
            const auto& record = std::get<InputRecord>(*item);
            finder->add(record.id, record.line, reader.line_offset());
        }
    }
    if (check.spool && !check.spool->finish_writing()) {
        log_not_kept(path, check.spool->why_not_kept());
        check.spool.reset();
    }
    if (!finder)
        return check;
    const PositionalFile file(path);
    check.duplicates = finder->finish([&file](std::uint64_t offset, std::uint64_t line) {
        return record_id_at(file, offset, line);
    });
    check.records -= check.duplicates->size();
    add_duplicate_problems(file, *check.duplicates, options.problem_limit, check.problems);
    return check;
}

CheckedInput::CheckedInput(std::string path, InputCheck check, const CheckOptions& options)
    : path_(std::move(path)), spool_(std::move(check.spool)),
      duplicates_(std::move(check.duplicates).value_or(DuplicateLines{})) {
    if (spool_)
        return;
    second_read_ = std::make_unique<InputReader>(path_, options.capture, options.hash);
    second_read_->pack_arrays(options.arrays);
    second_read_->use_checked_duplicates(duplicates_);
}

std::optional<InputItem> CheckedInput::next() {
    if (second_read_)
        return second_read_->next();
    std::optional<InputItem> item = spool_->next();
    if (!item)
        return item;
    auto* record = std::get_if<InputRecord>(&*item);
    if (record == nullptr)
        return item;
    if (std::optional<std::uint64_t> first = duplicates_.first_use(record->line)) {
        return InputProblem{path_, record->line, record->id,
                            duplicate_id_message(record->id, *first), record->index};
    }
    return item;
}

} // namespace ferry::producer
