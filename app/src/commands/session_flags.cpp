// The flags `ferry run` and `ferry submit` share.
#include "session_flags.hpp"

namespace ferry::app {

void add_session_flags(CLI::App& command, PipelineArgs& args) {
    command.add_option("CONFIG", args.config, "pipeline YAML file")->required();
    command.add_option(
        "--input", args.session.input,
        "JSONL file, directory (one job per file) or - for stdin; overrides input.path");
    command.add_option("--output", args.session.output,
                       "output file (one record per job); overrides output.path");
    command.add_option("--summary-json", args.session.summary_json,
                       "also write the summary as JSON to this file");
    command.add_flag("--resume", args.session.resume,
                     "skip jobs already in the output and complete the rest");
    command.add_flag("--json", args.session.json, "print the summary as JSON on stdout");
}

} // namespace ferry::app
