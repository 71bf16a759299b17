// `ferry keygen NAME`: a CURVE key pair for a broker, worker host, producer or admin.
#include "ferry/app/admin_client.hpp"
#include "ferry/app/commands.hpp"
#include "ferry/app/config_error.hpp"
#include "ferry/app/config_section.hpp"
#include "ferry/security/key_files.hpp"

#include <filesystem>
#include <fmt/format.h>
#include <iostream>
#include <memory>

namespace ferry::app {
namespace {

struct KeygenArgs {
    std::string name;      // NAME: the files' stem and the label inside them
    std::string dir = "."; // --dir
    bool json = false;     // --json
};

ExitCode keygen(const KeygenArgs& args) {
    if (!is_plain_name(args.name)) {
        throw ConfigError(fmt::format("'{}' is not a usable key name: use letters, digits, '_', "
                                      "'-' and '.', e.g. `ferry keygen worker-host-1`",
                                      args.name));
    }
    std::error_code error;
    if (!std::filesystem::exists(args.dir, error)) {
        std::filesystem::create_directories(args.dir, error);
        std::filesystem::permissions(args.dir, std::filesystem::perms::owner_all, error);
    }
    if (!std::filesystem::is_directory(args.dir, error)) {
        throw ConfigError(fmt::format("--dir '{}' is not a directory", args.dir));
    }
    security::KeyPair keys;
    security::WrittenKeys written;
    try {
        keys = security::generate_key_pair();
        written = security::write_key_files((std::filesystem::path(args.dir) / args.name).string(),
                                            args.name, keys);
    } catch (const security::KeyError& failure) {
        throw ConfigError(failure.what());
    }
    if (args.json) {
        std::cout << AdminArgs()
                         .text("name", args.name)
                         .text("public_key", keys.public_key)
                         .text("secret_file", written.secret_file)
                         .text("public_file", written.public_file)
                         .json()
                  << "\n";
    } else {
        std::cout << fmt::format("wrote {} (secret: keep it on this host, mode 0600) and {} "
                                 "(public: put it in the broker's allow-list)\npublic key: {}\n",
                                 written.secret_file, written.public_file, keys.public_key);
    }
    return ExitCode::ok;
}

} // namespace

Subcommand add_keygen_command(CLI::App& app) {
    auto args = std::make_shared<KeygenArgs>();
    CLI::App* cli = app.add_subcommand(
        "keygen", "make a CURVE key pair: NAME.key (secret, mode 0600) and NAME.pub");
    cli->add_option("NAME", args->name, "name of the key: the files' stem")->required();
    cli->add_option("--dir", args->dir, "directory to write the files into")->capture_default_str();
    cli->add_flag("--json", args->json, "print the names and the public key as JSON");
    return {cli, [args](const std::atomic<bool>& /*stop*/) { return keygen(*args); }};
}

} // namespace ferry::app
