// The measurement behind the HTTP library choice: the same JSON echo route served by cpp-httplib
// (as Ferry configures it) and by Boost.Beast (synchronous, a thread per connection, the model
// closest to cpp-httplib's), driven by one client in alternating runs: sequential keep-alive
// round trips (latency) and 8 concurrent keep-alive connections (throughput).
#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast.hpp>
#include <chrono>
#include <cstdio>
#include <httplib.h>
#include <string>
#include <thread>
#include <utility> // before Boost 1.74's asio, which uses std::exchange without it
#include <vector>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

// Requests one keep-alive connection may carry (cpp-httplib closes it after 5 by default).
std::size_t keep_alive_requests = 5;

// cpp-httplib with Ferry's settings: TCP_NODELAY, keep-alive, a fixed pool of threads.
class HttplibServer {
  public:
    HttplibServer() {
        server_.set_tcp_nodelay(true);
        server_.set_keep_alive_max_count(keep_alive_requests);
        server_.new_task_queue = [] { return new httplib::ThreadPool(16); };
        server_.Post("/echo", [](const httplib::Request& request, httplib::Response& response) {
            response.set_content(request.body, "application/json");
        });
        port_ = server_.bind_to_any_port("127.0.0.1");
        thread_ = std::thread([this] { server_.listen_after_bind(); }); // bound: clients queue
    }
    ~HttplibServer() {
        server_.stop();
        thread_.join();
    }
    [[nodiscard]] int port() const { return port_; }

  private:
    httplib::Server server_;
    int port_ = 0;
    std::thread thread_;
};

// Beast, synchronous: an acceptor thread and a thread per connection reading requests in a loop.
class BeastServer {
  public:
    BeastServer() : acceptor_(context_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
        port_ = acceptor_.local_endpoint().port();
        thread_ = std::thread([this] { accept_loop(); });
    }
    ~BeastServer() {
        stopping_ = true;
        { // a blocked accept() returns for this connection and sees stopping_
            asio::io_context waker;
            tcp::socket poke(waker);
            beast::error_code ignored;
            poke.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"),
                                       static_cast<unsigned short>(port_)),
                         ignored);
        }
        thread_.join();
        for (auto& session : sessions_) {
            session.join();
        }
    }
    [[nodiscard]] int port() const { return port_; }

  private:
    void accept_loop() {
        while (!stopping_) {
            tcp::socket socket(context_);
            beast::error_code error;
            acceptor_.accept(socket, error);
            if (error || stopping_) {
                return;
            }
            socket.set_option(tcp::no_delay(true));
            sessions_.emplace_back([s = std::move(socket)]() mutable { serve(std::move(s)); });
        }
    }
    static void serve(tcp::socket socket) {
        beast::flat_buffer buffer;
        beast::error_code error;
        for (;;) {
            bhttp::request<bhttp::string_body> request;
            bhttp::read(socket, buffer, request, error);
            if (error) {
                break;
            }
            bhttp::response<bhttp::string_body> response{bhttp::status::ok, request.version()};
            response.set(bhttp::field::content_type, "application/json");
            response.keep_alive(request.keep_alive());
            response.body() = request.body();
            response.prepare_payload();
            bhttp::write(socket, response, error);
            if (error || !request.keep_alive()) {
                break;
            }
        }
        socket.shutdown(tcp::socket::shutdown_send, error);
    }

    asio::io_context context_;
    tcp::acceptor acceptor_;
    int port_ = 0;
    std::atomic<bool> stopping_{false};
    std::thread thread_;
    std::vector<std::thread> sessions_;
};

const std::string body =
    R"({"type":"noop","payload":{"i":1,"s":"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"}})";

// Median round trip in microseconds over `count` sequential requests on one connection.
double latency_us(int port, int count) {
    httplib::Client client("127.0.0.1", port);
    client.set_tcp_nodelay(true);
    client.set_keep_alive(true);
    std::vector<double> samples;
    samples.reserve(static_cast<std::size_t>(count));
    for (int i = 0; i < count; ++i) {
        const auto start = Clock::now();
        const auto reply = client.Post("/echo", body, "application/json");
        if (!reply || reply->status != 200 || reply->body != body) {
            std::fprintf(stderr, "bad reply\n");
            std::exit(1);
        }
        samples.push_back(std::chrono::duration<double, std::micro>(Clock::now() - start).count());
    }
    std::sort(samples.begin(), samples.end());
    return samples[samples.size() / 2];
}

// Requests per second with `connections` clients posting for `seconds`.
double throughput(int port, int connections, double seconds) {
    std::atomic<long> done{0};
    std::atomic<bool> stop{false};
    std::vector<std::thread> clients;
    for (int c = 0; c < connections; ++c) {
        clients.emplace_back([&] {
            httplib::Client client("127.0.0.1", port);
            client.set_tcp_nodelay(true);
            client.set_keep_alive(true);
            while (!stop) {
                if (auto reply = client.Post("/echo", body, "application/json");
                    reply && reply->status == 200) {
                    ++done;
                }
            }
        });
    }
    const auto start = Clock::now();
    std::this_thread::sleep_for(std::chrono::duration<double>(seconds)); // the measured window
    const long counted = done.load();
    const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
    stop = true;
    for (auto& client : clients) {
        client.join();
    }
    return static_cast<double>(counted) / elapsed;
}

double median(std::vector<double> values) {
    std::sort(values.begin(), values.end());
    return values[values.size() / 2];
}

} // namespace

int main(int argc, char** argv) {
    int runs = 5;
    int requests = 5000;
    double seconds = 2;
    CLI::App app{"cpp-httplib against Boost.Beast on the same JSON echo route"};
    app.add_option("--runs", runs, "alternating runs per library")->capture_default_str();
    app.add_option("--requests", requests, "sequential requests per latency run")
        ->capture_default_str();
    app.add_option("--seconds", seconds, "seconds per throughput run")->capture_default_str();
    app.add_option("--keep-alive-requests", keep_alive_requests,
                   "cpp-httplib's keep-alive max count")
        ->capture_default_str();
    CLI11_PARSE(app, argc, argv);
    std::vector<double> lat[2], rps[2];
    for (int run = 0; run < runs; ++run) {
        for (int k = 0; k < 2; ++k) {
            const int which = (run + k) % 2; // alternate who goes first
            if (which == 0) {
                HttplibServer server;
                lat[0].push_back(latency_us(server.port(), requests));
                rps[0].push_back(throughput(server.port(), 8, seconds));
            } else {
                BeastServer server;
                lat[1].push_back(latency_us(server.port(), requests));
                rps[1].push_back(throughput(server.port(), 8, seconds));
            }
        }
    }
    const char* names[2] = {"cpp-httplib", "Boost.Beast (sync)"};
    for (int k = 0; k < 2; ++k) {
        std::printf("%-20s p50 %.1f us (runs %.1f-%.1f)   %.0f req/s with 8 connections "
                    "(runs %.0f-%.0f)\n",
                    names[k], median(lat[k]), *std::min_element(lat[k].begin(), lat[k].end()),
                    *std::max_element(lat[k].begin(), lat[k].end()), median(rps[k]),
                    *std::min_element(rps[k].begin(), rps[k].end()),
                    *std::max_element(rps[k].begin(), rps[k].end()));
    }
    return 0;
}
