// The BrokerLink of a server embedded in the broker's process: every call opens a DEALER of its
// own on the broker's internal endpoint (inproc: no copy through the kernel), sends one request
// and waits for its answer.
#pragma once

#include "ferry/http/broker_link.hpp"

#include <zmq.hpp>

namespace ferry::http {

class SocketBrokerLink : public BrokerLink {
  public:
    // `context` must be the broker's when `endpoint` is inproc://.
    SocketBrokerLink(zmq::context_t& context, std::string endpoint,
                     std::chrono::milliseconds timeout = std::chrono::seconds(5))
        : context_(context), endpoint_(std::move(endpoint)), timeout_(timeout) {}

    [[nodiscard]] std::string status() override;
    [[nodiscard]] AdminReply admin(const std::string& command,
                                   const std::string& args_json) override;

  private:
    zmq::context_t& context_;
    std::string endpoint_;
    std::chrono::milliseconds timeout_;
};

} // namespace ferry::http
