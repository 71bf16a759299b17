// Checks of a run's input, output and summary paths before anything is opened.
#include "ferry/app/session_paths.hpp"

#include "ferry/producer/input_reader.hpp"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

namespace ferry::app {
using namespace producer; // this file drives the producer library
namespace {

namespace fs = std::filesystem;

// What stat() says about a path (following symlinks), so aliases of one file compare equal.
struct FileId {
    bool exists = false; // stat succeeded
    dev_t device = 0;    // st_dev
    ino_t inode = 0;     // st_ino
    mode_t mode = 0;     // st_mode
};

FileId identify(const std::string& path) {
    struct stat info {};
    if (::stat(path.c_str(), &info) != 0)
        return {};
    return {true, info.st_dev, info.st_ino, info.st_mode};
}

bool same_file(const FileId& a, const FileId& b) {
    return a.exists && b.exists && a.device == b.device && a.inode == b.inode;
}

// Two paths that name one file, whether or not it exists yet.
bool same_path(const std::string& a, const std::string& b) {
    if (same_file(identify(a), identify(b)))
        return true;
    std::error_code error;
    return fs::weakly_canonical(a, error) == fs::weakly_canonical(b, error);
}

std::string directory_of(const std::string& path) {
    const fs::path parent = fs::path(path).parent_path();
    return parent.empty() ? "." : parent.string();
}

[[noreturn]] void refuse(const std::string& message) {
    throw InputError(message);
}

// The input must be something that can be read twice: the check, then the run.
void check_input(const SessionPaths& paths) {
    if (paths.input == "-")
        return;
    const FileId input = identify(paths.input);
    if (!input.exists || S_ISREG(input.mode) || S_ISDIR(input.mode))
        return;
    const char* kind = S_ISFIFO(input.mode)   ? "a FIFO"
                       : S_ISSOCK(input.mode) ? "a socket"
                                              : "a device";
    refuse(fmt::format("input '{}' is {} ({}); Ferry reads an input file twice (a check, then "
                       "the run): feed it through standard input instead, --input - < {}",
                       paths.input, kind, paths.input_from, paths.input));
}

// A file the run will write must not be one it reads: the input, the config, or a file in a
// directory input.
void check_not_read(const std::string& path, const std::string& from, const SessionPaths& paths) {
    const FileId target = identify(path);
    const FileId input = paths.input == "-" ? FileId{} : identify(paths.input);
    if (same_file(target, input) && !S_ISDIR(input.mode)) {
        refuse(fmt::format("{} '{}' is the input ({} '{}'); writing it would destroy the input: "
                           "give another path",
                           from, path, paths.input_from, paths.input));
    }
    if (same_file(target, identify(paths.config))) {
        refuse(fmt::format("{} '{}' is the pipeline file ({}); give another path", from, path,
                           paths.config));
    }
    if (input.exists && S_ISDIR(input.mode) && same_file(identify(directory_of(path)), input)) {
        refuse(fmt::format("{} '{}' is inside the input directory '{}', where the next run or "
                           "--resume would read it (and its .ferry-client file) as jobs; write it "
                           "elsewhere",
                           from, path, paths.input));
    }
}

// ...and must be creatable or writable now, so the run cannot end by failing to write it.
void check_writable(const std::string& path, const std::string& from) {
    if (path.empty()) {
        refuse(fmt::format("{} is an empty path; give a file path", from));
    }
    const FileId target = identify(path);
    if (target.exists && S_ISDIR(target.mode)) {
        refuse(fmt::format("{} '{}' is a directory; give a file path, e.g. {}/results.jsonl", from,
                           path, path));
    }
    const std::string directory = directory_of(path);
    const FileId parent = identify(directory);
    if (!parent.exists || !S_ISDIR(parent.mode)) {
        refuse(fmt::format("{} '{}': directory '{}' does not exist; create it first (mkdir -p {}) "
                           "or choose another path",
                           from, path, directory, directory));
    }
    const std::string& probe = target.exists ? path : directory;
    if (::access(probe.c_str(), W_OK) != 0) {
        refuse(fmt::format("{} '{}': '{}' is not writable ({}); choose another path", from, path,
                           probe, std::strerror(errno)));
    }
}

void check_written(const std::string& path, const std::string& from, const SessionPaths& paths) {
    check_writable(path, from);
    check_not_read(path, from, paths);
}

// Standard output can carry the records or the --json summary, and cannot be resumed.
void check_stdout_output(const SessionPaths& paths) {
    if (paths.resume) {
        refuse(fmt::format("--resume continues an output file, but the output is standard "
                           "output ({}); give --output FILE",
                           paths.output_from));
    }
    if (paths.json) {
        refuse(fmt::format("--json prints the summary on standard output, where the records "
                           "go ({} '-'); use --summary-json FILE for the summary",
                           paths.output_from));
    }
}

} // namespace

void check_session_paths(const SessionPaths& paths) {
    check_input(paths);
    if (paths.output == "-") {
        check_stdout_output(paths);
    } else {
        check_written(paths.output, paths.output_from, paths);
    }
    if (!paths.summary_json)
        return;
    check_written(*paths.summary_json, "--summary-json", paths);
    if (paths.output != "-" && same_path(*paths.summary_json, paths.output)) {
        refuse(fmt::format("--summary-json '{}' is the output ({} '{}'); give the summary its own "
                           "path",
                           *paths.summary_json, paths.output_from, paths.output));
    }
}

std::string client_file_for(const std::string& output_path) {
    if (output_path == "-")
        return {};
    const FileId output = identify(output_path);
    if (output.exists && !S_ISREG(output.mode))
        return {};
    return output_path + ".ferry-client";
}

} // namespace ferry::app
