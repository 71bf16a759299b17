// Checks of the paths a run reads and writes, made before anything is opened, started or sent.
#pragma once

#include <optional>
#include <string>

namespace ferry::app {

// The files of one run, with where each came from for messages.
struct SessionPaths {
    std::string config;                      // the pipeline file (never to be overwritten)
    std::string input;                       // input path; "-" is stdin
    std::string input_from;                  // "--input" or "input.path in p.yaml"
    std::string output;                      // output path; "-" is stdout
    std::string output_from;                 // "--output" or "output.path in p.yaml"
    std::optional<std::string> summary_json; // --summary-json, if given
    bool resume = false;                     // --resume: the output is appended to
    bool json = false;                       // --json: the summary goes to stdout
};

// Throws InputError ("what (where); what to do") when a run with these paths would destroy or
// misread a file, or could not write its results at the end:
// - the input is a FIFO, socket or device (it is read twice: checked, then run);
// - the output or summary is the input or the config (compared by device and inode, so a
//   symlink or hard link is caught), or lies in a directory input (a resume would read it as a
//   job), or is a directory, or its directory is missing or not writable;
// - the output and the summary are one file, or both the records and --json go to stdout;
// - --resume with the output on stdout.
void check_session_paths(const SessionPaths& paths);

// The file beside the output that remembers the run's client name until the run finishes; empty
// when the output is not a file there can be one beside (stdout, a device such as /dev/null).
[[nodiscard]] std::string client_file_for(const std::string& output_path);

} // namespace ferry::app
