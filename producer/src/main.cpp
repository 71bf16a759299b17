// `ferry`: the one executable — run, submit, broker, status.
#include "ferry/broker/broker_command.hpp"
#include "ferry/broker/broker_config.hpp"
#include "ferry/broker/endpoint.hpp"
#include "ferry/broker/journal_record.hpp"
#include "ferry/broker/status_client.hpp"
#include "ferry/producer/cli_commands.hpp"
#include "ferry/producer/input_reader.hpp"
#include "ferry/producer/producer.hpp"

#include <CLI/CLI.hpp>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

namespace {

std::atomic<bool> stop_requested{false};

extern "C" void request_stop(int /*signal*/) {
    stop_requested.store(true);
}

void install_signal_handlers() {
    struct sigaction action {};
    action.sa_handler = request_stop;
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, nullptr);
    sigaction(SIGTERM, &action, nullptr);
    std::signal(SIGPIPE, SIG_IGN);
}

using ferry::producer::exit_internal;
using ferry::producer::exit_ok;
using ferry::producer::exit_usage;

} // namespace

int main(int argc, char** argv) {
    CLI::App app{"Ferry: batch jobs from a native core to Python AI workers over ZeroMQ"};
    app.require_subcommand(1);
    std::string log_level = "info";
    app.add_option("--log-level", log_level, "trace, debug, info, warn, error")
        ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "critical", "off"}))
        ->capture_default_str();

    ferry::producer::PipelineArgs run_args;
    ferry::producer::add_run_flags(*app.add_subcommand("run", "run a whole pipeline on this "
                                                              "machine"),
                                   run_args);
    ferry::producer::PipelineArgs submit_args;
    ferry::producer::add_submit_flags(*app.add_subcommand("submit", "submit an input to a "
                                                                    "running broker"),
                                      submit_args);
    std::string broker_config;
    app.add_subcommand("broker", "run the broker alone (multi-host deployments)")
        ->add_option("CONFIG", broker_config, "pipeline YAML file")
        ->required();
    std::string status_endpoint = "tcp://127.0.0.1:5555";
    const char* status_env = std::getenv("FERRY_PRODUCERS_ENDPOINT");
    if (status_env != nullptr && *status_env != '\0')
        status_endpoint = status_env;
    bool status_json = false;
    auto* status =
        app.add_subcommand("status", "workers, queue depths, in flight, rates, dead letters");
    status->add_option("--broker", status_endpoint, "the broker's producers endpoint")
        ->capture_default_str();
    status->add_flag("--json", status_json, "print the status map as JSON");

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& error) {
        int code = app.exit(error);
        return code == 0 ? exit_ok : exit_usage;
    }
    spdlog::set_default_logger(spdlog::stderr_color_mt("ferry"));
    spdlog::set_level(spdlog::level::from_str(log_level));
    install_signal_handlers();

    try {
        if (app.got_subcommand("run"))
            return ferry::producer::run_command(run_args, stop_requested);
        if (app.got_subcommand("submit")) {
            return ferry::producer::submit_command(submit_args, stop_requested);
        }
        if (app.got_subcommand("broker"))
            return ferry::broker::run_broker_command(broker_config);
        if (app.got_subcommand("status")) {
            const bool flag = status->count("--broker") > 0;
            ferry::broker::require_connectable(status_endpoint,
                                               flag ? "--broker"
                                                    : "FERRY_PRODUCERS_ENDPOINT, the "
                                                      "default of --broker");
            return ferry::broker::run_status_command(status_endpoint, status_json, std::cout);
        }
    } catch (const ferry::producer::ClientInUseError& error) {
        std::fprintf(stderr, "ferry: %s\n", error.what());
        return 2;
    } catch (const ferry::producer::InputError& error) {
        std::fprintf(stderr, "ferry: %s\n", error.what());
        return exit_usage;
    } catch (const ferry::broker::ConfigError& error) {
        std::fprintf(stderr, "ferry: %s\n", error.what());
        return exit_usage;
    } catch (const ferry::broker::JournalError& error) {
        std::fprintf(stderr, "ferry: %s\n", error.what());
        return exit_usage;
    } catch (const std::exception& error) {
        std::fprintf(stderr, "ferry: %s\n", error.what());
        return exit_internal;
    }
    return exit_usage;
}
