// Rendering run path templates: {run_id}, {date} and strftime fields in the pipeline's zone.
#include "ferry/app/run_paths.hpp"

#include <date/tz.h>
#include <fmt/format.h>
#include <glob.h>
#include <memory>
#include <sstream>

namespace ferry::app {
namespace {

// The strftime fields a path may use: each one's value contains no '/' and no space surprises.
constexpr std::string_view allowed_fields = "YmdHMSjyaAbBeuVGgUWpIz";

std::string expand_names(const std::string& text, const RunValues& values) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] != '{') {
            out.push_back(text[i]);
            continue;
        }
        const std::size_t close = text.find('}', i);
        if (close == std::string::npos)
            throw TemplateError(fmt::format("'{}': a '{{' without its '}}' at {}", text, i));
        const std::string name = text.substr(i + 1, close - i - 1);
        if (name == "run_id") {
            out += values.run_id;
        } else if (name == "date") {
            out += "%Y-%m-%d";
        } else {
            throw TemplateError(fmt::format("'{}': unknown {{{}}}; a path may use {{run_id}}, "
                                            "{{date}} and strftime fields such as %Y",
                                            text, name));
        }
        i = close;
    }
    return out;
}

void check_fields(const std::string& text) {
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] != '%')
            continue;
        if (i + 1 == text.size())
            throw TemplateError(fmt::format("'{}' ends with a lone '%'; write %% for a percent "
                                            "sign",
                                            text));
        const char field = text[++i];
        if (field != '%' && allowed_fields.find(field) == std::string_view::npos)
            throw TemplateError(fmt::format("'{}': %{} is not a field a path may use ({})", text,
                                            field,
                                            "%Y %m %d %H %M %S %j %y %a %A %b %B %e %u "
                                            "%V %G %g %U %W %p %I %z, or %%"));
    }
}

} // namespace

std::string render_run_path(const std::string& path_template, const RunValues& values) {
    if (path_template.find_first_of("{%") == std::string::npos)
        return path_template;
    const std::string fields = expand_names(path_template, values);
    check_fields(fields);
    const auto zoned = date::make_zoned(values.timezone, values.nominal);
    std::ostringstream out;
    out << date::format(fields, zoned);
    return out.str();
}

void check_run_path_template(const std::string& path_template) {
    check_fields(expand_names(path_template, RunValues{{}, "UTC", "x"}));
}

bool is_glob(const std::string& path) {
    return path.find_first_of("*?[") != std::string::npos;
}

std::vector<std::string> glob_paths(const std::string& pattern) {
    glob_t found{};
    std::unique_ptr<glob_t, void (*)(glob_t*)> release(&found, globfree);
    std::vector<std::string> paths;
    if (::glob(pattern.c_str(), 0, nullptr, &found) != 0)
        return paths;
    for (std::size_t i = 0; i < found.gl_pathc; ++i)
        paths.emplace_back(found.gl_pathv[i]);
    return paths; // glob(3) sorts its matches
}

} // namespace ferry::app
