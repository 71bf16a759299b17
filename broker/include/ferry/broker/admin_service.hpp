// The service that answers ADMIN requests for a broker embedded in a larger process.
#pragma once

#include <string>
#include <string_view>

namespace ferry::broker {

// One answer to an ADMIN request, sent back as ADMIN_REPLY.
struct AdminAnswer {
    bool ok = false;   // the request was done
    std::string reply; // ok: a JSON text; not ok: what went wrong, for humans
    std::string code;  // not ok: an error code name (wire::code_name); empty: none
};

// What a service embedding the broker answers to ADMIN requests (ferry serve's scheduler). The
// broker carries the request and the answer without reading them: the commands and their JSON
// belong to the service, so the broker library needs no knowledge of pipelines.
class AdminService {
  public:
    virtual ~AdminService() = default;
    // Called on the broker's poll-loop thread: must return quickly (no waiting on other
    // threads' long work). Thread safety is the implementation's. An exception is answered
    // as a failed INTERNAL reply; it never stops the broker.
    virtual AdminAnswer answer(std::string_view command, std::string_view args_json) = 0;
};

} // namespace ferry::broker
