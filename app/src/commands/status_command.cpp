// `ferry status`: asks a broker for its status and prints it as a table or as JSON, once or
// refreshed (--watch).
#include "ferry/app/commands.hpp"
#include "ferry/app/endpoint.hpp"
#include "ferry/app/status_client.hpp"
#include "ferry/app/status_watch.hpp"
#include "ferry/producer/json_msgpack.hpp"
#include "key_flags.hpp"

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>

namespace ferry::app {
namespace {

constexpr auto status_timeout = std::chrono::milliseconds(3000); // wait for STATUS_REPLY

// Flags of `ferry status`.
struct StatusArgs {
    std::string endpoint = "tcp://127.0.0.1:5555"; // --broker, else FERRY_PRODUCERS_ENDPOINT
    bool json = false;                             // --json
    bool watch = false;                            // --watch
    double interval_s = 2;                         // --interval
    CLI::Option* broker_flag = nullptr;            // to tell the flag from the default
    KeyFlags keys;                                 // --key-file, --server-key (an admin key)
};

ExitCode show_status(const StatusArgs& args, const std::atomic<bool>& stop) {
    require_connectable(args.endpoint, args.broker_flag->count() > 0
                                           ? "--broker"
                                           : "FERRY_PRODUCERS_ENDPOINT, the default of --broker");
    const security::ClientCurve curve = args.keys.curve();
    if (args.watch) {
        return watch_status(
            {args.endpoint,
             std::chrono::milliseconds(static_cast<long long>(args.interval_s * 1000)), args.json,
             curve},
            stop);
    }
    std::string bytes;
    try {
        bytes = fetch_status(args.endpoint, status_timeout, curve);
    } catch (const StatusRefused& error) {
        std::fprintf(stderr, "ferry: %s\n", error.what());
        return ExitCode::usage;
    }
    const auto handle = msgpack::unpack(bytes.data(), bytes.size());
    if (args.json) {
        std::string json;
        producer::append_json(handle.get(), json); // the one MessagePack -> JSON renderer
        std::cout << json << "\n";
    } else {
        write_status_table(std::cout, handle.get());
    }
    return ExitCode::ok;
}

} // namespace

Subcommand add_status_command(CLI::App& app) {
    auto args = std::make_shared<StatusArgs>();
    if (const char* env = std::getenv("FERRY_PRODUCERS_ENDPOINT"); env != nullptr && *env != '\0')
        args->endpoint = env;
    CLI::App* cli =
        app.add_subcommand("status", "workers, queue depths, in flight, rates, dead letters");
    args->broker_flag =
        cli->add_option("--broker", args->endpoint, "the broker's producers endpoint")
            ->capture_default_str();
    cli->add_flag("--json", args->json,
                  "print the status map as JSON (with --watch: one line per refresh)");
    cli->add_flag("--watch", args->watch,
                  "refresh until Ctrl-C, with a throughput sparkline and the pipelines");
    cli->add_option("--interval", args->interval_s, "seconds between refreshes with --watch")
        ->check(CLI::Range(0.2, 3600.0))
        ->capture_default_str();
    add_key_flags(*cli, args->keys);
    return {cli, [args](const std::atomic<bool>& stop) { return show_status(*args, stop); }};
}

} // namespace ferry::app
