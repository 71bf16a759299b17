// The broker flags, the ADMIN round trip and the exit codes of the pipeline commands.
#include "admin_flags.hpp"

#include "ferry/app/admin_client.hpp"
#include "ferry/app/admin_render.hpp"
#include "ferry/app/endpoint.hpp"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <iostream>

namespace ferry::app {

void add_admin_flags(CLI::App& command, AdminFlags& flags) {
    if (const char* env = std::getenv("FERRY_PRODUCERS_ENDPOINT"); env != nullptr && *env != '\0')
        flags.endpoint = env;
    flags.broker_flag =
        command
            .add_option("--broker", flags.endpoint,
                        "the producers endpoint of the `ferry serve` to ask "
                        "(default: FERRY_PRODUCERS_ENDPOINT, else tcp://127.0.0.1:5555)")
            ->capture_default_str();
    command.add_option("--timeout", flags.timeout_s, "seconds to wait for the answer")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    command.add_flag("--json", flags.json, "print the reply as JSON, as the server sent it");
    add_key_flags(command, flags.keys);
}

ExitCode run_admin(const AdminFlags& flags, const std::string& command,
                   const std::string& args_json, const RenderReply& render) {
    require_connectable(flags.endpoint, flags.broker_flag->count() > 0
                                            ? "--broker"
                                            : "FERRY_PRODUCERS_ENDPOINT, the default of --broker");
    const auto timeout = std::chrono::milliseconds(std::llround(flags.timeout_s * 1000));
    const auto reply =
        request_admin(flags.endpoint, command, args_json, timeout, flags.keys.curve());
    if (!reply) {
        std::fprintf(stderr,
                     "ferry: no answer from the broker at %s within %g s; is `ferry serve` "
                     "running there? (pass its producers endpoint with --broker, or a longer "
                     "--timeout; a broker with CURVE answers only --key-file and --server-key)\n",
                     flags.endpoint.c_str(), flags.timeout_s);
        return ExitCode::internal;
    }
    if (!reply->ok) {
        std::fprintf(stderr, "ferry: %s\n", reply->reply.c_str());
        return ExitCode::usage;
    }
    if (flags.json) {
        std::cout << reply->reply << "\n";
    } else {
        render(reply->reply);
    }
    return ExitCode::ok;
}

void print_reply_message(const std::string& reply_json) {
    std::cout << reply_message(reply_json) << "\n";
}

} // namespace ferry::app
