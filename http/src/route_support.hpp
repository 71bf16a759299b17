// What the route groups share: reading JSON bodies, sending JSON, turning broker answers into
// HTTP statuses.
#pragma once

#include "ferry/http/broker_link.hpp"
#include "ferry/http/gateway_link.hpp"

#include <chrono>
#include <httplib.h>
#include <optional>
#include <simdjson.h>
#include <string>

namespace ferry::http {

// Parses the request body as one JSON value into `out` (the parser owns it). On failure sends
// 400 problem+json naming the byte offset and returns false.
[[nodiscard]] bool parse_json_body(const std::string& body, httplib::Response& response,
                                   simdjson::dom::parser& parser, simdjson::dom::element& out,
                                   const std::string& what = "the request body");

void send_json(httplib::Response& response, int status, std::string body);

// A SUBMIT the broker refused: 429 (QUEUE_FULL, JOURNAL_FULL) or 503 (anything else), with
// Retry-After in whole seconds.
void send_refusal(httplib::Response& response, const SubmitAnswer& answer);

// An ADMIN answer: `ok_status` with the reply's JSON, else a problem whose status follows the
// code: INVALID_ARGUMENT 400, or 404 when `missing_is_404` and the message says "no <thing>";
// ALREADY_DONE 409; UNSUPPORTED 501; anything else 500.
void send_admin_reply(httplib::Response& response, const AdminReply& reply, int ok_status,
                      bool missing_is_404);

// A duration as the API takes it: "30s", "500ms", "2m", or a plain number of seconds.
[[nodiscard]] std::optional<std::chrono::milliseconds> parse_wait(std::string_view text);

// The broker did not answer (LinkError): 503.
void send_link_error(httplib::Response& response, const std::exception& error);

} // namespace ferry::http
