// The durable run history: one append-only JSON Lines file per pipeline under the state directory.
#pragma once

#include "ferry/schedule/run_record.hpp"

#include <cstddef>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace ferry::schedule {

// Each state change of a run is one line of `<state>/runs/<pipeline>.jsonl`, appended with
// O_APPEND and fsynced before the call returns: once `create` or `update` returns, a crash cannot
// take the change back. Loading folds the lines to the latest state per run id. The file is only
// ever rewritten whole, atomically (temp file, fsync, rename, fsync of the directory), when it
// has grown past twice the retention or when its last line was torn by a crash. One store per
// state directory, used from one thread (the service's loop): it caches what it has read.
class RunStore {
  public:
    // `keep_last`: finished runs kept per pipeline; pending and running runs are always kept.
    explicit RunStore(std::filesystem::path state_dir, std::size_t keep_last = 100);

    // Every run of `pipeline` in its latest state, oldest nominal time first. Throws on a corrupt
    // line before the last (naming file:line); a torn last line is dropped with a warning.
    [[nodiscard]] std::vector<RunRecord> runs(const std::string& pipeline);
    [[nodiscard]] std::optional<RunRecord> find(const std::string& pipeline,
                                                const std::string& run_id);

    // Records a new run. False, recording nothing, when its run id (its nominal time) has a
    // run already: a nominal time gets one run, ever.
    [[nodiscard]] bool create(const RunRecord& record);
    // Records a state change of a run `create` recorded.
    void update(const RunRecord& record);
    // Records many new runs (a downtime's missed times) with one write and one fsync; ids that
    // exist already are left out.
    void create_all(const std::vector<RunRecord>& records);

    // The history file of `pipeline`.
    [[nodiscard]] std::filesystem::path file_of(const std::string& pipeline) const;
    // How many times a history file was fsynced; lets tests see each append was forced.
    [[nodiscard]] std::size_t syncs() const { return syncs_; }
    // How many times a history file was rewritten.
    [[nodiscard]] std::size_t rewrites() const { return rewrites_; }

  private:
    struct History {
        std::map<std::string, RunRecord> by_id; // latest state per run id
        std::size_t lines = 0;                  // lines in the file
    };

    History& history(const std::string& pipeline);
    History load(const std::string& pipeline, bool& needs_rewrite) const;
    void append_lines(const std::string& pipeline, const std::vector<RunRecord>& records);
    void compact_if_needed(const std::string& pipeline);
    void rewrite(const std::string& pipeline, History& kept);
    std::vector<RunRecord> retained(const History& history) const;

    std::filesystem::path dir_;             // <state>/runs
    std::size_t keep_last_;                 // finished runs kept per pipeline
    std::map<std::string, History> loaded_; // pipelines read so far
    std::size_t syncs_ = 0;                 // fsyncs of history files
    std::size_t rewrites_ = 0;              // atomic rewrites
};

} // namespace ferry::schedule
