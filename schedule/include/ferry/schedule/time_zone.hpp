// Looking up a named time zone in the OS tz database, with "did you mean" for a misspelling.
#pragma once

#include <date/tz.h>
#include <stdexcept>
#include <string>
#include <string_view>

namespace ferry::schedule {

// A zone name the tz database does not know; the message suggests the nearest names.
class ZoneError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// The zone named `name` ("Europe/Berlin", "UTC"); throws ZoneError. The pointer lives as long as
// the process (the tz database is loaded once).
[[nodiscard]] const date::time_zone* find_time_zone(std::string_view name);

} // namespace ferry::schedule
