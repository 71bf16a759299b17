// What the pipeline commands (runs, trigger, pause, resume, backfill) share: the broker flags,
// the ADMIN round trip, and how its answer becomes output and an exit code.
#pragma once

#include "ferry/app/exit_code.hpp"
#include "key_flags.hpp"

#include <CLI/CLI.hpp>
#include <functional>
#include <string>

namespace ferry::app {

// Flags every pipeline command takes, filled by CLI11.
struct AdminFlags {
    std::string endpoint = "tcp://127.0.0.1:5555"; // --broker, else FERRY_PRODUCERS_ENDPOINT
    double timeout_s = 3.0;                        // --timeout: wait for the answer
    bool json = false;                             // --json: the reply as it came
    CLI::Option* broker_flag = nullptr;            // to tell the flag from the default
    KeyFlags keys;                                 // --key-file, --server-key (an admin key)
};

// Registers --broker, --timeout, --json, --key-file and --server-key on `command`.
void add_admin_flags(CLI::App& command, AdminFlags& flags);

// Prints an accepted reply for people (the JSON text of the reply in, lines on stdout out).
using RenderReply = std::function<void(const std::string& reply_json)>;

// Sends `command` with `args_json` to the broker of `flags` and prints the answer: the reply as
// it came with --json, else `render` of it. A refusal is "ferry: <reply>" on stderr and exit 2;
// no answer within --timeout is exit 1, saying so.
[[nodiscard]] ExitCode run_admin(const AdminFlags& flags, const std::string& command,
                                 const std::string& args_json, const RenderReply& render);

// The renderer of trigger, pause, resume and backfill: the reply's "message" on one line.
void print_reply_message(const std::string& reply_json);

} // namespace ferry::app
