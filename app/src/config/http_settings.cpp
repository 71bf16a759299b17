// The `http` section: listen address, bearer token, TLS, limits and outcome retention.
#include "ferry/app/http_settings.hpp"

#include "ferry/app/config_file.hpp"
#include "ferry/app/config_keys.hpp"
#include "ferry/app/config_section.hpp"

#include <charconv>
#include <cstdlib>
#include <filesystem>
#include <fmt/format.h>
#include <fstream>
#include <spdlog/spdlog.h>
#include <sstream>
#include <sys/stat.h>
#include <yaml-cpp/yaml.h>

namespace ferry::app {
namespace fs = std::filesystem;
namespace {

constexpr std::uint64_t year_s = 365ULL * 24 * 3600;

// "host:port" or "[v6]:port"; the port may be 0 (the OS picks).
void read_listen(const Section& section, const std::string& listen, http::HttpConfig& out) {
    std::string host;
    std::string port;
    if (listen.starts_with('[')) {
        const auto close = listen.find("]:");
        if (close != std::string::npos) {
            host = listen.substr(1, close - 1);
            port = listen.substr(close + 2);
        }
    } else if (const auto colon = listen.rfind(':'); colon != std::string::npos) {
        host = listen.substr(0, colon);
        port = listen.substr(colon + 1);
    }
    int number = -1;
    const auto [end, error] = std::from_chars(port.data(), port.data() + port.size(), number);
    if (host.empty() || port.empty() || error != std::errc() || end != port.data() + port.size() ||
        number < 0 || number > 65535) {
        throw ConfigError(fmt::format("{}: http.listen '{}' must be HOST:PORT, e.g. "
                                      "127.0.0.1:8080 (port 0: any free port)",
                                      section.position_of("listen"), listen));
    }
    out.host = host;
    out.port = number;
}

std::string trimmed(std::string text) {
    const auto first = text.find_first_not_of(" \t\r\n");
    const auto last = text.find_last_not_of(" \t\r\n");
    return first == std::string::npos ? std::string() : text.substr(first, last - first + 1);
}

void read_token(const Section& section, const fs::path& base, http::HttpConfig& out) {
    std::string file;
    std::string variable;
    section.read("token_file", file);
    section.read("token_env", variable);
    if (!file.empty() && !variable.empty()) {
        throw ConfigError(fmt::format("{}: give http.token_file or http.token_env, not "
                                      "both",
                                      section.position_of("token_env")));
    }
    if (!file.empty()) {
        const fs::path token_path = fs::path(file).is_absolute() ? fs::path(file) : base / file;
        std::ifstream in(token_path);
        std::stringstream text;
        text << in.rdbuf();
        if (!in) {
            throw ConfigError(fmt::format("{}: cannot read the token file '{}'",
                                          section.position_of("token_file"), token_path.string()));
        }
        out.token = trimmed(text.str());
        out.token_source = "file " + token_path.string();
        struct stat info {};
        if (::stat(token_path.c_str(), &info) == 0 && (info.st_mode & 0077) != 0) {
            spdlog::warn("http: the token file {} can be read by other users (mode {:o}); "
                         "chmod 600 it",
                         token_path.string(), info.st_mode & 0777);
        }
    } else if (!variable.empty()) {
        const char* value = std::getenv(variable.c_str());
        out.token = value == nullptr ? std::string() : trimmed(value);
        out.token_source = "environment variable " + variable;
    } else {
        return;
    }
    if (out.token.empty()) {
        throw ConfigError(fmt::format(
            "{}: the bearer token from the {} is empty",
            section.position_of(file.empty() ? "token_env" : "token_file"), out.token_source));
    }
}

void read_tls(const Section& section, const fs::path& base, http::HttpConfig& out) {
    const Section tls = section.child("tls", keys_of("http.tls"));
    tls.read("cert_file", out.tls_cert_file);
    tls.read("key_file", out.tls_key_file);
    if (out.tls_cert_file.empty() != out.tls_key_file.empty()) {
        throw ConfigError(fmt::format("{}: http.tls needs both cert_file and key_file",
                                      section.position_of("tls")));
    }
    for (std::string* file : {&out.tls_cert_file, &out.tls_key_file}) {
        if (!file->empty() && fs::path(*file).is_relative()) {
            *file = (base / *file).string();
        }
    }
}

} // namespace

std::optional<http::HttpConfig> load_http_settings(const std::string& path,
                                                   const std::string& text) {
    const YAML::Node root = load_yaml(text, path);
    if (!root.IsMap() || !root["http"]) {
        return std::nullopt;
    }
    const Section section(root["http"], path, "http", keys_of("http"));
    std::string listen;
    section.read("listen", listen);
    if (listen.empty()) {
        return std::nullopt;
    }
    http::HttpConfig config;
    config.enabled = true;
    read_listen(section, listen, config);
    const fs::path base = fs::absolute(path).parent_path();
    read_token(section, base, config);
    read_tls(section, base, config);
    const Section limits = section.child("limits", keys_of("http.limits"));
    limits.read("max_body_bytes", config.max_body_bytes, 1024);
    limits.read("header_timeout_ms", config.header_timeout_ms, 100, 3'600'000);
    limits.read("max_connections", config.max_connections, 1, 4096);
    const Section retention = section.child("retention", keys_of("http.retention"));
    retention.read("outcomes_s", config.retention_s, 1, year_s);
    retention.read("max_outcomes", config.retention_count, 1);
    retention.read("fetched_grace_s", config.fetched_grace_s, 0, year_s);
    section.read_name("client", config.client);
    if (!is_plain_name(config.client)) {
        throw ConfigError(fmt::format("{}: http.client '{}' may hold only letters, "
                                      "digits, '_', '-' and '.'",
                                      section.position_of("client"), config.client));
    }
    if (config.token.empty() && !http::is_loopback_host(config.host)) {
        throw ConfigError(
            fmt::format("{}: http.listen '{}' is not a loopback address, so the server "
                        "needs a bearer token: set http.token_file (a file holding the "
                        "token, mode 600) or http.token_env (a variable holding it)",
                        section.position_of("listen"), listen));
    }
    return config;
}

} // namespace ferry::app
