// `ferry broker CONFIG`: the broker alone (multi-host deployments), until SIGTERM or SIGINT.
#include "ferry/app/broker_config.hpp"
#include "ferry/app/commands.hpp"
#include "ferry/app/config_file.hpp"
#include "ferry/app/embedded_broker.hpp"
#include "ferry/app/http_server.hpp"
#include "ferry/app/http_settings.hpp"
#include "ferry/app/pipeline_config.hpp"
#include "ferry/app/security_settings.hpp"
#include "ferry/app/stop_signal.hpp"

#include <chrono>
#include <iostream>
#include <memory>
#include <spdlog/spdlog.h>
#include <thread>

namespace ferry::app {
namespace {

constexpr auto stop_poll = std::chrono::milliseconds(50); // how often the stop flag is read

// Binds (refusing a plain endpoint beyond loopback unless `security.insecure`), prints the
// machine-readable line
//   ferry broker: producers=ENDPOINT workers=ENDPOINT
// on stdout, then serves until a stop signal (then the shutdown grace) or a failure of the loop.
// SIGHUP reloads the allow-lists.
ExitCode serve(const std::string& config_path, const std::atomic<bool>& stop) {
    const std::string text = read_config_file(config_path);
    // The broker uses only its own sections, but every command checks every key of the file.
    (void)load_pipeline_config(config_path, text);
    const auto http_settings = load_http_settings(config_path, text);
    broker::BrokerConfig config = load_broker_config(config_path, text);
    const SecuritySettings security = load_security_settings(config_path, text);
    arm_security(security, config);
    check_exposure(config, security);
    if (http_settings)
        config.internal_producers_endpoint = http_internal_endpoint;
    install_reload_signal();
    EmbeddedBroker broker(config);
    std::cout << "ferry broker: producers=" << broker.producers_endpoint()
              << " workers=" << broker.workers_endpoint() << std::endl;
    auto http_server = start_http_server(http_settings, broker, "broker");
    while (!stop.load() && !broker.ended()) {
        if (take_reload_request() && config.security.keys)
            reload_allow_lists(config_path, *config.security.keys, [](security::KeyRing&) {});
        std::this_thread::sleep_for(stop_poll);
    }
    if (http_server)
        http_server->stop(); // before the broker: its gateway leaves the broker cleanly
    const std::string failure = broker.stop();
    return failure.empty() ? ExitCode::ok : ExitCode::internal;
}

} // namespace

Subcommand add_broker_command(CLI::App& app) {
    auto config = std::make_shared<std::string>();
    CLI::App* cli = app.add_subcommand("broker", "run the broker alone (multi-host deployments)");
    cli->add_option("CONFIG", *config, "pipeline YAML file")->required();
    return {cli, [config](const std::atomic<bool>& stop) { return serve(*config, stop); }};
}

} // namespace ferry::app
