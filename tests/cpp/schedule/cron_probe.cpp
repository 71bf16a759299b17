// Test helper: reads `EXPR<TAB>ZONE<TAB>START_EPOCH<TAB>N` lines and prints the next N nominal
// epochs after START on one line ("none" where the timetable ends), or "error: <message>".
#include "ferry/schedule/cron_timetable.hpp"

#include <iostream>
#include <sstream>
#include <string>
#include <vector>

namespace {

std::vector<std::string> split_tabs(const std::string& line) {
    std::vector<std::string> parts;
    std::istringstream in(line);
    for (std::string part; std::getline(in, part, '\t');) {
        parts.push_back(part);
    }
    return parts;
}

std::string next_epochs(const std::vector<std::string>& parts) {
    if (parts.size() != 4) {
        return "error: expected EXPR<TAB>ZONE<TAB>START_EPOCH<TAB>N";
    }
    const ferry::schedule::CronTimetable timetable(parts[0], parts[1]);
    ferry::schedule::Instant at{std::chrono::seconds(std::stoll(parts[2]))};
    std::string out;
    for (int i = 0, count = std::stoi(parts[3]); i < count; ++i) {
        const auto next = timetable.next_after(at);
        if (!next) {
            return out + (out.empty() ? "" : " ") + "none";
        }
        at = *next;
        out += (out.empty() ? "" : " ") + std::to_string(at.time_since_epoch().count());
    }
    return out;
}

} // namespace

int main() {
    for (std::string line; std::getline(std::cin, line);) {
        try {
            std::cout << next_epochs(split_tabs(line)) << '\n';
        } catch (const std::exception& error) {
            std::cout << "error: " << error.what() << '\n';
        }
    }
    return 0;
}
