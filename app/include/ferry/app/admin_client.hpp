// A client of the broker's ADMIN: one request to the service behind a broker, and its answer.
#pragma once

#include "ferry/security/client_keys.hpp"

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace ferry::app {

// What the broker answered (ADMIN_REPLY).
struct AdminReplyText {
    bool ok = false;   // the service did it
    std::string reply; // ok: a JSON text; not ok: what went wrong, for humans
    std::string code;  // not ok: an error code name, when the broker gave one
};

// Sends ADMIN {command, args_json} to the producers endpoint `endpoint` and waits for the
// ADMIN_REPLY; empty when none came within `timeout` (no broker there, or a busy one).
[[nodiscard]] std::optional<AdminReplyText>
request_admin(const std::string& endpoint, const std::string& command, const std::string& args_json,
              std::chrono::milliseconds timeout, const security::ClientCurve& curve = {});

// Builds the JSON object text of a request's arguments, one field at a time, in call order.
class AdminArgs {
  public:
    AdminArgs& text(std::string_view name, std::string_view value);
    AdminArgs& number(std::string_view name, long long value);
    AdminArgs& flag(std::string_view name, bool value);
    [[nodiscard]] std::string json() const { return body_ + "}"; }

  private:
    void key(std::string_view name);
    std::string body_ = "{"; // the object so far, without its closing brace
};

} // namespace ferry::app
