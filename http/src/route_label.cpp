// Path -> route pattern for ferry_http_requests_total.
#include "ferry/http/route_label.hpp"

#include <algorithm>
#include <array>
#include <vector>

namespace ferry::http {
namespace {

// Collections whose next segment is a name or id.
constexpr std::array<std::pair<std::string_view, std::string_view>, 4> collections{{
    {"jobs", "{id}"},
    {"batches", "{id}"},
    {"dead-letters", "{id}"},
    {"pipelines", "{name}"},
}};

constexpr std::array<std::string_view, 7> fixed{
    "/",          "/metrics",     "/healthz/live",   "/healthz/ready",
    "/v1/status", "/favicon.ico", "/v1/dead-letters"};

std::vector<std::string_view> segments(std::string_view path) {
    std::vector<std::string_view> parts;
    std::size_t start = 1;
    while (start <= path.size()) {
        const std::size_t end = std::min(path.find('/', start), path.size());
        parts.push_back(path.substr(start, end - start));
        start = end + 1;
    }
    return parts;
}

} // namespace

std::string route_label(std::string_view path) {
    for (const auto known : fixed) {
        if (path == known) {
            return std::string(path);
        }
    }
    if (path.starts_with("/assets/")) {
        return "/assets/{file}";
    }
    const auto parts = segments(path);
    if (parts.size() < 2 || parts.size() > 4 || parts[0] != "v1") {
        return "unmatched";
    }
    std::string label = "/v1/" + std::string(parts[1]);
    const auto collection =
        std::find_if(collections.begin(), collections.end(),
                     [&](const auto& entry) { return entry.first == parts[1]; });
    if (collection == collections.end()) {
        return "unmatched";
    }
    if (parts.size() >= 3) {
        label += "/" + std::string(collection->second);
    }
    if (parts.size() == 4) {
        static constexpr std::array<std::string_view, 7> actions{
            "cancel", "results", "events", "redrive", "runs", "pause", "resume"};
        const bool known = std::find(actions.begin(), actions.end(), parts[3]) != actions.end() ||
                           parts[3] == "backfill";
        if (!known) {
            return "unmatched";
        }
        label += "/" + std::string(parts[3]);
    }
    return label;
}

} // namespace ferry::http
