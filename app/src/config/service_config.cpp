// Loading a service: its own file (or a directory), then each pipeline file it names.
#include "ferry/app/service_config.hpp"

#include "ferry/app/broker_config.hpp"
#include "ferry/app/config_file.hpp"
#include "ferry/app/config_keys.hpp"
#include "ferry/app/config_section.hpp"
#include "ferry/app/http_settings.hpp"
#include "ferry/app/run_paths.hpp"
#include "ferry/app/security_settings.hpp"

#include <algorithm>
#include <filesystem>
#include <fmt/format.h>
#include <map>
#include <yaml-cpp/yaml.h>

namespace ferry::app {
namespace {

namespace fs = std::filesystem;

// The pipeline files a `pipelines` entry names: a file, or a glob (sorted), relative to `base`.
std::vector<std::string> expand_entry(const Section& section, const YAML::Node& at,
                                      const fs::path& base, const std::string& entry) {
    const std::string path = fs::path(entry).is_absolute() ? entry : (base / entry).string();
    if (is_glob(path)) {
        std::vector<std::string> found = glob_paths(path);
        if (found.empty())
            section.fail(at, fmt::format("'service.pipelines': '{}' matches no file", entry));
        return found;
    }
    std::error_code error;
    if (!fs::is_regular_file(path, error))
        section.fail(at, fmt::format("'service.pipelines': pipeline file '{}' does not exist "
                                     "(paths are relative to the service file)",
                                     entry));
    return {path};
}

// Pipeline files of a directory: every *.yaml and *.yml in it, sorted.
std::vector<std::string> files_of_directory(const std::string& dir) {
    std::vector<std::string> files;
    for (const auto& entry : fs::directory_iterator(dir)) {
        const std::string ext = entry.path().extension().string();
        if (entry.is_regular_file() && (ext == ".yaml" || ext == ".yml"))
            files.push_back(entry.path().string());
    }
    std::sort(files.begin(), files.end());
    if (files.empty())
        throw ConfigError(fmt::format("{}: no pipeline files (*.yaml) in this directory", dir));
    return files;
}

// A pipeline the service can run: a name, an input, and an output that differs per run.
void check_pipeline(const ServicePipeline& pipeline) {
    const PipelineConfig& config = pipeline.config;
    const std::string at = config.schedule_at.empty() ? config.source : config.schedule_at;
    if (!is_plain_name(pipeline.name))
        throw ConfigError(fmt::format("{}: the pipeline name '{}' (the file's name) may hold only "
                                      "letters, digits, '_', '-' and '.': rename the file",
                                      config.source, pipeline.name));
    if (config.input.path.empty() || config.input.path == "-")
        throw ConfigError(fmt::format("{}: a pipeline of `ferry serve` needs input.path (a file, "
                                      "a directory or a glob; stdin is not possible)",
                                      at));
    if (config.output.path.empty() || config.output.path == "-")
        throw ConfigError(fmt::format("{}: a pipeline of `ferry serve` needs output.path", at));
    for (const std::string* path : {&config.input.path, &config.output.path}) {
        try {
            check_run_path_template(*path);
        } catch (const TemplateError& error) {
            throw ConfigError(fmt::format("{}: {}", config.source, error.what()));
        }
    }
    if (config.output.path.find_first_of("{%") == std::string::npos)
        throw ConfigError(fmt::format(
            "{}: output.path '{}' is the same for every run; give each run its own file with "
            "{{run_id}}, {{date}} or a strftime field (e.g. results-{{date}}.jsonl)",
            config.source, config.output.path));
}

void add_pools(const std::vector<WorkerPoolConfig>& pools, std::vector<WorkerPoolConfig>& out) {
    for (const auto& pool : pools) {
        const bool known = std::any_of(out.begin(), out.end(), [&](const auto& existing) {
            return existing.name() == pool.name();
        });
        if (!known)
            out.push_back(
                pool); // one pool per handlers module or worker file, whoever names it first
    }
}

void add_pipelines(const std::vector<std::string>& files, ServiceConfig& service) {
    std::map<std::string, std::string> names, outputs;
    for (const auto& file : files) {
        const std::string text = read_config_file(file);
        ServicePipeline pipeline{fs::path(file).stem().string(), load_pipeline_config(file, text)};
        check_pipeline(pipeline);
        if (auto [it, fresh] = names.emplace(pipeline.name, file); !fresh)
            throw ConfigError(fmt::format("{}: another pipeline is named '{}' ({})", file,
                                          pipeline.name, it->second));
        if (auto [it, fresh] = outputs.emplace(pipeline.config.output.path, file); !fresh)
            throw ConfigError(fmt::format("{}: output.path '{}' is also the output of {}; two "
                                          "pipelines would write one file",
                                          file, pipeline.config.output.path, it->second));
        add_pools(pipeline.config.workers, service.workers);
        // A pipeline's job_types (its stages' batching and retries) join the broker's; the
        // service file's own entry wins where both name a type.
        for (auto& [type, settings] : load_broker_config(file, text).types)
            service.broker.types.emplace(type, settings);
        service.pipelines.push_back(std::move(pipeline));
    }
}

} // namespace

ServiceConfig load_service_config(const std::string& path) {
    ServiceConfig service;
    service.source = path;
    SecuritySettings security; // only a service file has a `security` section
    security.origin = path;
    std::error_code error;
    std::vector<std::string> files;
    if (fs::is_directory(path, error)) {
        files = files_of_directory(path);
        service.state_dir = (fs::path(path) / "ferry-state").string();
    } else {
        const std::string text = read_config_file(path);
        const YAML::Node root = load_yaml(text, path);
        check_top_level(root, path);
        service.broker = load_broker_config(path, text);
        security = load_security_settings(path, text);
        arm_security(security, service.broker);
        service.http = load_http_settings(path, text);
        const PipelineConfig own = load_pipeline_config(path, text);
        add_pools(own.workers, service.workers);
        Section section(root["service"], path, "service", keys_of("service"));
        const fs::path base = fs::absolute(path).parent_path();
        std::string state_dir = "ferry-state";
        section.read("state_dir", state_dir);
        service.state_dir =
            fs::path(state_dir).is_absolute() ? state_dir : (base / state_dir).string();
        section.read("shutdown_grace_s", service.shutdown_grace_s, 0, 86400);
        if (!section.has("pipelines") || !root["service"]["pipelines"].IsSequence())
            section.fail(root["service"] ? root["service"] : root,
                         "'service.pipelines' must list the pipeline files (or globs) to serve");
        for (const auto& entry : root["service"]["pipelines"])
            for (auto& file : expand_entry(section, entry, base, entry.Scalar()))
                files.push_back(std::move(file));
    }
    check_exposure(service.broker, security);
    if (service.broker.journal.path.empty())
        service.broker.journal.path = (fs::path(service.state_dir) / "journal").string();
    add_pipelines(files, service);
    return service;
}

} // namespace ferry::app
