// Problem details (RFC 9457) for every error the HTTP API returns.
#include "ferry/http/problem.hpp"

#include "ferry/producer/msgpack_json.hpp"

namespace ferry::http {

void send_problem(httplib::Response& response, int status, const std::string& type,
                  const std::string& title, const std::string& detail, const ProblemFields& extra) {
    std::string body = "{\"type\":";
    producer::append_json_string(type, body);
    body += ",\"title\":";
    producer::append_json_string(title, body);
    body += ",\"status\":" + std::to_string(status) + ",\"detail\":";
    producer::append_json_string(detail, body);
    for (const auto& [name, json] : extra) {
        body += ',';
        producer::append_json_string(name, body);
        body += ':';
        body += json;
    }
    body += "}\n";
    response.status = status;
    response.set_content(body, "application/problem+json");
}

} // namespace ferry::http
