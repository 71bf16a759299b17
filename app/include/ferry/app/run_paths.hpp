// A scheduled run's input and output paths, rendered from the pipeline's templates.
#pragma once

#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace ferry::app {

// A template that cannot be rendered (an unknown {name}, a bad % field): what and where.
class TemplateError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// What a template is rendered with.
struct RunValues {
    std::chrono::sys_seconds nominal; // the run's nominal time
    std::string timezone = "UTC";     // the zone strftime fields are read in
    std::string run_id;               // {run_id}
};

// Replaces `{run_id}` and `{date}` (YYYY-MM-DD), and strftime fields (%Y %m %d %H %M %S %j ...;
// %% for a percent sign) read in the zone at the nominal time. A path without any is returned
// as is. Throws TemplateError naming the bad part.
[[nodiscard]] std::string render_run_path(const std::string& path_template,
                                          const RunValues& values);

// Whether a path holds a glob pattern (*, ?, [).
[[nodiscard]] bool is_glob(const std::string& path);

// The paths a glob matches, sorted; empty when none.
[[nodiscard]] std::vector<std::string> glob_paths(const std::string& pattern);

// Checks a template without a run: every {name} known, every % field valid.
void check_run_path_template(const std::string& path_template);

} // namespace ferry::app
