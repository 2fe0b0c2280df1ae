"""Reads a gradflow calendar feed with Python's icalendar (an independent
implementation of RFC 5545) and prints what it understood as JSON, for
tests/e2e/calendar_feed.rs to compare with what the engine knows.

Each event's start is resolved twice: through the feed's own VTIMEZONE
(icalendar builds a time zone from its STANDARD/DAYLIGHT observances,
`to_tz(lookup_tzid=False)`), and through icalendar's own tz database by
the TZID's name. Both must give the same UTC instant, or this fails.

Usage: python3 calendar_feed_check.py FEED.ics
"""

import json
import sys
from datetime import date, datetime, timezone

import icalendar


def utc(moment):
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def main():
    raw = open(sys.argv[1], "rb").read()
    calendar = icalendar.Calendar.from_ical(raw)
    zones = {}
    for vtz in calendar.walk("VTIMEZONE"):
        zones[str(vtz["TZID"])] = vtz.to_tz(lookup_tzid=False)
    out = {
        "name": str(calendar.get("X-WR-CALNAME", "")),
        "version": str(calendar.get("VERSION", "")),
        "timezones": sorted(zones),
        "events": [],
    }
    for event in calendar.walk("VEVENT"):
        prop = event["DTSTART"]
        start = prop.dt
        item = {
            "uid": str(event["UID"]),
            "summary": str(event["SUMMARY"]),
            "description": str(event.get("DESCRIPTION", "")),
            "url": str(event.get("URL", "")),
            "dtstamp": utc(event["DTSTAMP"].dt),
        }
        if isinstance(start, datetime):
            tzid = prop.params.get("TZID")
            if tzid is None or start.tzinfo is None:
                sys.exit(f"event {item['uid']}: a start without a time zone")
            if tzid not in zones:
                sys.exit(f"event {item['uid']}: TZID {tzid} has no VTIMEZONE")
            local = start.replace(tzinfo=None)
            by_vtimezone = local.replace(tzinfo=zones[tzid])
            if utc(by_vtimezone) != utc(start):
                sys.exit(
                    f"event {item['uid']}: the VTIMEZONE gives {utc(by_vtimezone)}, "
                    f"the tz database {utc(start)}"
                )
            item["tzid"] = tzid
            item["local"] = local.isoformat()
            item["utc"] = utc(by_vtimezone)
            item["offset_minutes"] = int(by_vtimezone.utcoffset().total_seconds() // 60)
        elif isinstance(start, date):
            item["date"] = start.isoformat()
            end = event.get("DTEND")
            item["end"] = end.dt.isoformat() if end is not None else None
        out["events"].append(item)
    print(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    main()
