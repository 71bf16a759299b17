// What HTTP route handlers may ask of the broker: its status and the admin commands. Each call is
// a round trip over the broker's internal producer endpoint, made on the caller's thread with a
// socket of its own, so no handler ever runs on (or blocks) the broker's poll loop.
#pragma once

#include <chrono>
#include <stdexcept>
#include <string>

namespace ferry::http {

// The broker did not answer in time (stopped, or stuck).
class LinkError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// One ADMIN_REPLY: with ok, `reply` is the JSON text of the answer; otherwise a message for
// humans and an error code name (UNSUPPORTED, INVALID_ARGUMENT, ...).
struct AdminReply {
    bool ok = false;
    std::string reply;
    std::string code;
};

class BrokerLink {
  public:
    virtual ~BrokerLink() = default;
    // The broker's STATUS_REPLY `status` map, as its MessagePack bytes. Throws LinkError.
    [[nodiscard]] virtual std::string status() = 0;
    // One ADMIN request; `args_json` is the text of a JSON object. Throws LinkError.
    [[nodiscard]] virtual AdminReply admin(const std::string& command,
                                           const std::string& args_json) = 0;
};

} // namespace ferry::http
