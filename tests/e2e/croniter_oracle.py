#!/usr/bin/env python3
"""Independent answers for tests/e2e/croniter.rs: cron firings from croniter,
local times from Python's zoneinfo.

Protocol: the first line written is a greeting,
    {"ready": true, "croniter": "7.0.0", "python": "3.11.7"}
or, when croniter cannot be imported (zoneinfo's "local" and "shift" cases
still work),
    {"ready": true, "croniter": null, "why": "No module named 'croniter'", ...}
Then one JSON object is read per line on stdin and one answered per line on
stdout, in order, each carrying the request's "id":

    {"id": 1, "kind": "cron", "expr": "30 2 * * *", "zone": "America/New_York",
     "after": 1772899200, "n": 5}
 -> {"id": 1, "expected": [...], "croniter": [...], "explained": {...},
     "unexplained": [...], "rewritten": "..." or null}

    {"id": 2, "kind": "local", "zone": "...", "date": "2026-03-08", "time": "02:30:00"}
 -> {"id": 2, "at": 1772955000}
    {"id": 3, "kind": "shift", "zone": "...", "from": 1772955000, "days": 7}
 -> {"id": 3, "at": ...}

Instants are whole seconds since the Unix epoch (UTC).

The rule under test (DESIGN section 6, RFC 5545, java.time): a local time
inside a spring-forward gap is moved forward by the length of the gap, and an
ambiguous local time means its first occurrence. That is exactly PEP 495's
reading of a naive time with fold=0, which zoneinfo implements: in a gap, fold=0
uses the offset from before the transition (02:30 EST = 03:30 EDT); in an
overlap, fold=0 is the first occurrence. So "expected" is croniter's wall-clock
matches (croniter run on naive datetimes, where it knows nothing of zones)
placed in the zone with fold=0.

"croniter" is croniter's own zone-aware answer. It differs from the rule only
around DST changes, in the ways its source (croniter.py, _add_tzinfo and
_calc) says, which this script recognises and counts in "explained":

  gap_clamp       croniter moves a nonexistent local time to the first minute
                  that exists after the gap (02:30 -> 03:00 on a one-hour
                  gap; 02:15 -> 02:30 on Lord Howe's half hour), where the rule
                  shifts it by the gap's length (02:30 -> 03:30).
  gap_shift       the rule fires at the shifted time (03:30) and croniter does
                  not: it clamped (above), or, with '*' in the hour field or a
                  clamped time not after the start, it skips nonexistent times
                  altogether ("Search for the next matching cron time that
                  exists").
  overlap_second  croniter fires an ambiguous local time twice, at both
                  occurrences (01:30 EDT and then 01:30 EST); the rule fires
                  only the first.

Any other difference between "croniter" and "expected" is listed in
"unexplained", and the test fails on it.
"""

import json
import re
import sys
from datetime import date, datetime, time, timedelta, timezone

from zoneinfo import ZoneInfo

try:
    import croniter as croniter_module
    from croniter import croniter
except ImportError as error:  # reported, not raised: the test decides what it means
    croniter_module = None
    MISSING = str(error)

MINUTE = timedelta(minutes=1)
EPOCH = datetime(1970, 1, 1)


def version():
    if croniter_module is None:
        return None
    try:
        from importlib.metadata import version as dist_version

        return dist_version("croniter")
    except Exception:  # noqa: BLE001 - only for the greeting
        return getattr(croniter_module, "__version__", "unknown")


_zones = {}


def zone(name):
    if name not in _zones:
        _zones[name] = ZoneInfo(name)
    return _zones[name]


_spread = {}


def offset_spread(tz, year):
    """Smallest and largest UTC offset (seconds) of `tz` from year-1 to year+1."""
    key = (tz.key, year)
    if key not in _spread:
        start = datetime(year - 1, 1, 1, 12, tzinfo=timezone.utc)
        offsets = {
            (start + timedelta(hours=6 * i)).astimezone(tz).utcoffset().total_seconds()
            for i in range(4 * 366 * 3)
        }
        _spread[key] = (int(min(offsets)), int(max(offsets)))
    return _spread[key]


def wall_seconds(naive):
    """A naive local time as if it were UTC: seconds to compare wall clocks."""
    return int((naive - EPOCH).total_seconds())


def first_occurrence(naive, tz):
    """The rule: fold=0 (gap: shifted forward by its length; overlap: first)."""
    return int(naive.replace(tzinfo=tz, fold=0).timestamp())


def exists(naive, tz):
    back = datetime.fromtimestamp(first_occurrence(naive, tz), tz).replace(tzinfo=None)
    return back == naive


def ambiguous(naive, tz):
    return naive.replace(tzinfo=tz, fold=0).utcoffset() != naive.replace(
        tzinfo=tz, fold=1
    ).utcoffset()


# --- Reading the expression as gradflow documents it --------------------------

NAMES = {
    3: ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"],
    4: ["sun", "mon", "tue", "wed", "thu", "fri", "sat"],
}


def _value(index, text):
    """A field's value written as a number or a name (months count from 1)."""
    names = NAMES.get(index, [])
    text = text.lower()
    if text in names:
        return names.index(text) + (1 if index == 3 else 0)
    return int(text)


def for_croniter(expr):
    """The expression in the form croniter reads as gradflow documents it.

    One spelling means something else to croniter, on purpose (croniter.py,
    croniter._expand):
      * an equal range written as one ("5-5", "MON-MON", "FRI-5", "3-3/2")
        "means the whole cycle" to croniter; to gradflow (and to cron, and to the `cron`
        crate) it is that one value. Written here as the value.
    ("N/S" in the day of the week runs to Saturday for both: 7 is only
    another way to write Sunday.)
    Returns the rewritten expression, or the same string when nothing changed.
    """
    fields = expr.split()
    out = []
    for index, field in enumerate(fields):
        items = []
        for item in field.split(","):
            m = re.fullmatch(r"([0-9A-Za-z]+)-([0-9A-Za-z]+)(/\d+)?", item)
            if m and _value(index, m.group(1)) == _value(index, m.group(2)):
                item = m.group(1)
            items.append(item)
        out.append(",".join(items))
    return " ".join(out)


# --- Cron cases ---------------------------------------------------------------

_iterators = {}


def iterator(expr):
    """One croniter per expression (expanding it is the slow part). croniter's
    default day_or=True is gradflow's rule too: when both the day of the month
    and the day of the week are restricted, a day matching either fires
    (docs/definitions.md, "Schedules")."""
    if expr not in _iterators:
        _iterators[expr] = croniter(expr, datetime(2026, 1, 1))
    return _iterators[expr]


def expected_firings(expr, tz, after, n):
    """The first `n` firings after `after` by the rule, with the wall-clock
    matches each came from, and every wall-clock match looked at."""
    low, high = offset_spread(tz, datetime.fromtimestamp(after, timezone.utc).year)
    spread = high - low
    local_after = datetime.fromtimestamp(after, tz).replace(tzinfo=None)
    # A wall time up to `spread` before the start's own can still fall after it
    # (an overlap's first occurrence, or a gap time shifted forward).
    it = iterator(expr)
    it.set_current(local_after - timedelta(seconds=spread), force=True)
    sources = {}
    seen = set()
    for _ in range(10_000):
        naive = it.get_next(datetime)
        seen.add(naive)
        at = first_occurrence(naive, tz)
        if at > after:
            sources.setdefault(at, []).append(naive)
        if len(sources) >= n:
            nth = sorted(sources)[n - 1]
            # Later wall times land at least wall - high seconds, after nth.
            if wall_seconds(naive) - high > nth:
                break
    else:
        raise RuntimeError("no end to the wall-clock matches")
    firings = sorted(sources)[:n]
    return firings, sources, seen


def croniter_firings(expr, tz, after, n):
    it = iterator(expr)
    it.set_current(datetime.fromtimestamp(after, tz), force=True)
    return [int(it.get_next(datetime).timestamp()) for _ in range(n)]


def gap_before(naive, tz):
    """The wall times of the gap that ends at `naive`, or None."""
    if not exists(naive, tz) or exists(naive - MINUTE, tz):
        return None
    start = naive - MINUTE
    for _ in range(24 * 60):
        if exists(start - MINUTE, tz):
            return start, naive
        start -= MINUTE
    return None


def cron_case(request):
    expr = for_croniter(request["expr"])
    tz = zone(request["zone"])
    after, n = request["after"], request["n"]
    expected, sources, seen = expected_firings(expr, tz, after, n)
    actual = croniter_firings(expr, tz, after, n)
    explained = {"gap_clamp": 0, "gap_shift": 0, "overlap_second": 0}
    unexplained = []
    if any(b <= a for a, b in zip([after] + actual, actual)):
        unexplained.append(f"croniter's firings do not increase: {actual}")
    horizon = min(expected[-1], actual[-1])
    for at in sorted(set(actual) - set(expected)):
        if at > horizon:
            continue
        local = datetime.fromtimestamp(at, tz)
        naive = local.replace(tzinfo=None)
        gap = gap_before(naive, tz)
        if local.fold == 1 and ambiguous(naive, tz) and naive in seen:
            explained["overlap_second"] += 1
        elif gap and any(gap[0] <= m < gap[1] for m in seen):
            explained["gap_clamp"] += 1
        else:
            unexplained.append(f"croniter fires at {local.isoformat()}, the rule does not")
    for at in sorted(set(expected) - set(actual)):
        if at > horizon:
            continue
        if all(not exists(m, tz) for m in sources[at]):
            explained["gap_shift"] += 1
        else:
            local = datetime.fromtimestamp(at, tz).isoformat()
            unexplained.append(f"the rule fires at {local}, croniter does not")
    return {
        "expected": expected,
        "croniter": actual,
        "explained": explained,
        "unexplained": unexplained,
        "rewritten": expr if expr != request["expr"] else None,
    }


# --- Deadline cases -----------------------------------------------------------


def local_case(request):
    naive = datetime.combine(
        date.fromisoformat(request["date"]), time.fromisoformat(request["time"])
    )
    return {"at": first_occurrence(naive, zone(request["zone"]))}


def shift_case(request):
    """`days` calendar days from an instant, keeping the local time of day."""
    tz = zone(request["zone"])
    local = datetime.fromtimestamp(request["from"], tz).replace(tzinfo=None)
    return {"at": first_occurrence(local + timedelta(days=request["days"]), tz)}


CASES = {"cron": cron_case, "local": local_case, "shift": shift_case}


def main():
    greeting = {"ready": True, "croniter": version(), "python": sys.version.split()[0]}
    if croniter_module is None:
        greeting["why"] = MISSING
    print(json.dumps(greeting), flush=True)
    for line in sys.stdin:
        if not line.strip():
            continue
        request = json.loads(line)
        try:
            answer = CASES[request["kind"]](request)
        except Exception as error:  # noqa: BLE001 - every failure goes back to the test
            answer = {"error": f"{type(error).__name__}: {error}"}
        answer["id"] = request["id"]
        sys.stdout.write(json.dumps(answer) + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
