// The exit status of every `ferry` command; main() turns it into the process's status.
#pragma once

namespace ferry::app {

// What a command's exit status tells a script (documented in the README's CLI section). Every
// command returns one of these; no other number leaves the process.
enum class ExitCode : int {
    ok = 0,            // every job succeeded (or the command did what it was asked)
    internal = 1,      // internal error
    usage = 2,         // usage, configuration or input error: nothing was run
    failures = 3,      // finished, some jobs failed
    output = 4,        // the output could not be written; what was written is kept (--resume)
    interrupted = 130, // stopped by SIGINT/SIGTERM; what finished is in the output
};

} // namespace ferry::app
