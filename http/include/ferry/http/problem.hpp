// Errors as problem details (RFC 9457): a JSON object with type, title, status and detail, sent
// as application/problem+json.
#pragma once

#include <httplib.h>
#include <string>
#include <utility>
#include <vector>

namespace ferry::http {

// Extra members of a problem object: name and already-encoded JSON value.
using ProblemFields = std::vector<std::pair<std::string, std::string>>;

// Sets `response` to a problem: `status`, a short `title` for the kind of problem, a `detail`
// saying what happened and what to do. `type` is a relative URI naming the problem kind
// ("/problems/malformed-json"); the docs list each.
void send_problem(httplib::Response& response, int status, const std::string& type,
                  const std::string& title, const std::string& detail,
                  const ProblemFields& extra = {});

} // namespace ferry::http
