// The `http:` section: where the HTTP server listens, who may call it, and its limits.
#pragma once

#include <cstdint>
#include <string>

namespace ferry::http {

struct HttpConfig {
    std::string host = "127.0.0.1"; // address to bind (loopback unless set)
    int port = 0;                   // port to bind (0: the OS picks one)
    bool enabled = false;           // `http.listen` was set
    std::string token;              // bearer token (read from token_file or token_env); empty: none
    std::string token_source;       // where the token came from, for messages (never the token)
    std::string tls_cert_file;      // PEM certificate; with tls_key_file, TLS is on
    std::string tls_key_file;       // PEM private key
    std::uint64_t max_body_bytes = 64ull << 20; // larger request bodies get 413
    std::uint64_t header_timeout_ms = 5000;     // a request's headers must arrive within this
    std::uint32_t max_connections = 64;         // connections served at once; more get 503
    std::uint64_t retention_s = 3600;           // an outcome nobody fetched is kept this long
    std::uint64_t retention_count = 1000000;    // and at most this many unfetched outcomes
    std::uint64_t fetched_grace_s = 60;         // a fetched outcome can be fetched again this long
    std::string client = "http";                // producer client name the gateway submits under

    [[nodiscard]] bool tls() const { return !tls_cert_file.empty() && !tls_key_file.empty(); }
};

// Whether `host` is a loopback address (127.0.0.0/8, ::1, localhost): the only binds allowed
// without a bearer token.
[[nodiscard]] bool is_loopback_host(const std::string& host);

} // namespace ferry::http
