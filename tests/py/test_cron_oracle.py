"""Ferry's cron timetable against croniter: random expressions, the next 5 times must agree.

The C++ side runs in `ferry_cron_probe` (built with the C++ tests). Comparisons stay where both
define the same thing: croniter's default day_or=True is the POSIX rule Ferry uses, and both treat
a day field that allows every value as no restriction. At daylight saving transitions croniter's
answers differ from Ferry's specified policy (gap times fire at the gap's end, repeated times once),
so in Europe/Berlin every time on a transition day is left out of the comparison; that policy is
pinned by the C++ unit tests (tests/cpp/schedule/test_cron_dst.cpp) instead.
"""

from __future__ import annotations

import datetime as dt
import os
import pathlib
import random
import subprocess
import zoneinfo

import pytest

croniter_module = pytest.importorskip("croniter", reason="python3-croniter is not installed")
croniter = croniter_module.croniter
CroniterBadDateError = croniter_module.CroniterBadDateError

REPO = pathlib.Path(__file__).resolve().parents[2]
PROBE = pathlib.Path(os.environ.get("FERRY_BUILD_DIR", REPO / "build")) / "ferry_cron_probe"
EXPRESSIONS = 500
STARTS_PER_EXPRESSION = 3
NEXT_COUNT = 5
MONTHS = ["jan", "FEB", "Mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
DAYS = ["sun", "MON", "Tue", "wed", "thu", "fri", "sat"]

# (low, high, names) per field; names are used for some values of month and day-of-week.
# Days of the month stop at 28 and take no open-ended step (`*/n`, `a/n` run to 31): croniter 1.3 skips the 1st of a month after
# a month shorter than a listed day (`*/15` from Feb 24 jumps to Mar 16), and finds nothing for an
# impossible day even when the day-of-week half of the OR rule matches (`0 0 31 FEB WED`). The C++
# tests cover days 29-31 (Feb 29, never-matching days, the OR rule).
FIELDS = [(0, 59, None), (0, 23, None), (1, 28, None), (1, 12, MONTHS), (0, 7, DAYS)]
DAY_OF_MONTH = 2


def value_text(rng: random.Random, value: int, names: list[str] | None, low: int) -> str:
    if names and value - low < len(names) and rng.random() < 0.3:
        return names[value - low]
    return str(value)


def random_item(rng: random.Random, low: int, high: int, names: list[str] | None,
                open_end: bool) -> str:
    a = rng.randint(low, high)
    b = rng.randint(a, high)
    kinds = ["value", "value", "range", "range_step"]
    kinds += ["start_step", "star_step"] if open_end else []
    kind = rng.choice(kinds)
    if kind == "value":
        return value_text(rng, a, names, low)
    if kind == "range":
        return f"{value_text(rng, a, names, low)}-{value_text(rng, b, names, low)}"
    step = random_step(rng, low, high)
    if kind == "range_step":
        return f"{a}-{b}/{step}"
    if kind == "star_step":
        return f"*/{step}"
    return f"{a}/{step}"


def random_step(rng: random.Random, low: int, high: int) -> int:
    return rng.randint(1, max(1, (high - low) // 2))


def random_field(rng: random.Random, low: int, high: int, names: list[str] | None,
                 open_end: bool = True) -> str:
    if rng.random() < 0.3:
        return "*"
    if open_end and rng.random() < 0.15:
        return f"*/{random_step(rng, low, high)}"
    count = rng.choice([1, 1, 2, 3])
    return ",".join(random_item(rng, low, high, names, open_end) for _ in range(count))


def random_expression(rng: random.Random) -> str:
    return " ".join(random_field(rng, *field, open_end=index != DAY_OF_MONTH)
                    for index, field in enumerate(FIELDS))


def random_start(rng: random.Random) -> int:
    start = dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc).timestamp()
    return int(start) + rng.randint(0, 3 * 365 * 86400)


def croniter_next(expression: str, zone: str, start: int) -> list[int]:
    """croniter's next wall-clock times, mapped to UTC by zoneinfo (first occurrence, fold=0).

    croniter 1.3 given an aware datetime shifts its first answer by the offset change when its
    search crosses a DST change, so it is asked for naive local times instead."""
    tz = zoneinfo.ZoneInfo(zone)
    base = dt.datetime.fromtimestamp(start, tz).replace(tzinfo=None)
    it = croniter(expression, base, day_or=True, max_years_between_matches=8)
    times = []
    try:
        for _ in range(NEXT_COUNT):
            times.append(int(it.get_next(dt.datetime).replace(tzinfo=tz).timestamp()))
    except CroniterBadDateError:  # nothing within 8 years: Ferry says "none" there too
        pass
    return times


def probe(cases: list[tuple[str, str, int]]) -> list[str]:
    if not PROBE.exists():
        pytest.skip(f"{PROBE} is not built: build the C++ tests first (cmake --build --preset dev)")
    lines = "".join(f"{expr}\t{zone}\t{start}\t{NEXT_COUNT}\n" for expr, zone, start in cases)
    done = subprocess.run([str(PROBE)], input=lines, capture_output=True, text=True, timeout=60,
                          check=True)
    return done.stdout.splitlines()


def is_transition_day(epoch: int, zone: zoneinfo.ZoneInfo) -> bool:
    day = dt.datetime.fromtimestamp(epoch, zone).date()
    midnight = dt.datetime.combine(day, dt.time(), zone)
    next_midnight = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), zone)
    return midnight.utcoffset() != next_midnight.utcoffset()


def comparable_prefix(ours: list[int], theirs: list[int], zone: str) -> tuple[list[int], list[int]]:
    """Both lists up to the first time either one puts on a DST transition day."""
    tz = zoneinfo.ZoneInfo(zone)
    count = 0
    while (count < len(ours) and count < len(theirs) and not is_transition_day(ours[count], tz)
           and not is_transition_day(theirs[count], tz)):
        count += 1
    return ours[:count], theirs[:count]


def random_cases(seed: int, zone: str) -> list[tuple[str, str, int]]:
    rng = random.Random(seed)
    print(f"cron oracle seed for {zone}: {seed}")
    cases = []
    for _ in range(EXPRESSIONS):
        expression = random_expression(rng)
        cases.extend((expression, zone, random_start(rng)) for _ in range(STARTS_PER_EXPRESSION))
    return cases


def compare(cases: list[tuple[str, str, int]], skip_transition_days: bool) -> int:
    compared = 0
    for (expression, zone, start), line in zip(cases, probe(cases), strict=True):
        assert not line.startswith("error"), f"{expression!r}: {line}"
        ours = [int(part) for part in line.split() if part != "none"]
        theirs = croniter_next(expression, zone, start)
        if skip_transition_days:
            ours, theirs = comparable_prefix(ours, theirs, zone)
        assert ours == theirs[:len(ours)] and len(ours) == len(theirs), (
            f"{expression!r} in {zone} after {start}: ferry {ours}, croniter {theirs}")
        compared += len(ours)
    return compared


SEED = int(os.environ.get("FERRY_CRON_SEED", random.SystemRandom().randrange(1 << 30)))


@pytest.mark.parametrize("zone", ["UTC", "Asia/Tokyo"])
def test_random_expressions_agree_with_croniter_in_zones_without_dst(zone: str) -> None:
    # Nearly all compare 5 times; a few rare expressions (Feb 29 on a Monday) have fewer in 8 years.
    assert compare(random_cases(SEED, zone), skip_transition_days=False) > (
        EXPRESSIONS * STARTS_PER_EXPRESSION * NEXT_COUNT * 9 // 10)


def test_random_expressions_agree_with_croniter_in_berlin_away_from_dst_days() -> None:
    compared = compare(random_cases(SEED + 1, "Europe/Berlin"), skip_transition_days=True)
    # Transition days are 2 of ~365: most comparisons must still happen.
    assert compared > EXPRESSIONS * STARTS_PER_EXPRESSION * NEXT_COUNT // 2


def test_the_probe_reports_errors_and_never_matching_expressions() -> None:
    lines = probe([("0 0 30 2 *", "UTC", 0), ("0 0 0 * * *", "UTC", 0),
                   ("@daily", "America/New_Yrok", 0)])
    assert lines[0] == "none"
    assert lines[1].startswith("error: cron expression: 6 fields")
    assert "did you mean America/New_York?" in lines[2]
