// The watch loop of `ferry status --watch`.
#include "ferry/app/status_watch.hpp"

#include "ferry/app/admin_client.hpp"
#include "ferry/app/admin_render.hpp"
#include "ferry/app/status_client.hpp"
#include "ferry/http/throughput_history.hpp"
#include "ferry/producer/msgpack_json.hpp"

#include <algorithm>
#include <array>
#include <ctime>
#include <fmt/format.h>
#include <iostream>
#include <msgpack.hpp>
#include <optional>
#include <sstream>
#include <thread>
#include <unistd.h>

namespace ferry::app {
namespace {

constexpr std::size_t rates_kept = 60; // sparkline width
constexpr auto ask_timeout = std::chrono::milliseconds(1500);

std::string clock_now() {
    const std::time_t now = std::time(nullptr);
    std::tm local{};
    localtime_r(&now, &local);
    std::array<char, 16> text{};
    (void)std::strftime(text.data(), text.size(), "%H:%M:%S", &local);
    return text.data();
}

// The pipelines' table under `ferry serve`; empty under a broker that has no scheduler.
std::string pipelines_table(const WatchOptions& options) {
    const auto reply =
        request_admin(options.endpoint, "runs", R"({"limit":3})", ask_timeout, options.curve);
    if (!reply || !reply->ok) {
        return "";
    }
    std::ostringstream out;
    try {
        write_runs_table(out, reply->reply);
    } catch (const std::runtime_error&) {
        return "";
    }
    return "pipelines:\n" + out.str();
}

// Waits for the next refresh, or returns early once stopped.
void wait_next(std::chrono::milliseconds interval, const std::atomic<bool>& stop) {
    const auto until = std::chrono::steady_clock::now() + interval;
    while (!stop && std::chrono::steady_clock::now() < until) {
        std::this_thread::sleep_for(std::min<std::chrono::milliseconds>(
            std::chrono::milliseconds(100), std::chrono::duration_cast<std::chrono::milliseconds>(
                                                until - std::chrono::steady_clock::now())));
    }
}

} // namespace

std::string sparkline(const std::deque<double>& rates) {
    static constexpr std::array<std::string_view, 8> bars{"▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"};
    const double top = rates.empty() ? 0 : *std::max_element(rates.begin(), rates.end());
    std::string line;
    for (const double rate : rates) {
        const auto level =
            top <= 0 ? 0 : static_cast<std::size_t>(std::min(7.0, rate / top * 7.0 + 0.5));
        line += bars[level];
    }
    return line;
}

ExitCode watch_status(const WatchOptions& options, const std::atomic<bool>& stop) {
    const bool terminal = ::isatty(STDOUT_FILENO) != 0;
    std::deque<double> rates;
    std::optional<std::uint64_t> last_finished;
    auto last_at = std::chrono::steady_clock::now();
    while (!stop) {
        std::ostringstream screen;
        try {
            const std::string bytes = fetch_status(options.endpoint, ask_timeout, options.curve);
            const auto handle = msgpack::unpack(bytes.data(), bytes.size());
            const auto now = std::chrono::steady_clock::now();
            const auto count = http::finished_jobs(bytes);
            if (count && last_finished) {
                const double seconds = std::chrono::duration<double>(now - last_at).count();
                rates.push_back(*count >= *last_finished && seconds > 0
                                    ? static_cast<double>(*count - *last_finished) / seconds
                                    : 0.0);
                if (rates.size() > rates_kept) {
                    rates.pop_front();
                }
            }
            last_finished = count;
            last_at = now;
            if (options.json) {
                std::string json;
                producer::append_json(handle.get(), json);
                std::cout << json << std::endl;
                wait_next(options.interval, stop);
                continue;
            }
            write_status_table(screen, handle.get());
            screen << "throughput (finished/s, last " << rates.size()
                   << " refreshes): " << (rates.empty() ? "-" : fmt::format("{:.1f}", rates.back()))
                   << "\n  " << sparkline(rates) << "\n";
            screen << pipelines_table(options);
        } catch (const std::exception& error) {
            if (options.json) {
                std::cerr << "ferry status: " << error.what() << std::endl;
                wait_next(options.interval, stop);
                continue;
            }
            screen << "ferry status: " << error.what() << "\n";
        }
        screen << "updated " << clock_now() << ", every "
               << fmt::format("{:g}", static_cast<double>(options.interval.count()) / 1000.0)
               << " s; Ctrl-C stops\n";
        // On a terminal the screen is redrawn in place; elsewhere each refresh follows the last.
        std::cout << (terminal ? "\x1b[H\x1b[2J" : "\n") << screen.str() << std::flush;
        wait_next(options.interval, stop);
    }
    return ExitCode::ok;
}

} // namespace ferry::app
