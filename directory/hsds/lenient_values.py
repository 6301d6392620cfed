"""Single values from other systems, made into what Tsunagu can hold, each change noted.

``directory.hsds.lenient`` walks the records; here are the values: texts too long for a column
are shortened, http links are kept as text (a link we show must be https), phone numbers are
written as digits and hyphens, and opening hours in another time zone become Japan time.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlsplit

from directory.hsds.rules import CLOCK, EMAIL, LIMITS, PHONE
from directory.hsds.vocabulary import UTC_OFFSET, WEEKDAYS, Json

SEPARATORS = re.compile(r"[\s.()/\u3000]+")
HYPHENS = re.compile(r"-{2,}")
CALLABLE_PHONES = ("voice", "cell")  # HSDS phone types a resident can ring
DAY_MINUTES = 24 * 60
# A datapackage's rows name their parents; nested again, those columns say nothing more.
LINKS = {
    "service_id", "location_id", "organization_id", "contact_id", "service_at_location_id",
    "link_id", "schedule_id", "phone_id",
}  # fmt: skip
# RRULE parts with no place in weekly hours: dropping them widens the hours, so each is noted.
DROPPED_RULES = ("count", "byweekno", "bymonthday", "byyearday")
TEXT_ROW = {"id", "description", "attributes"}


@dataclass(frozen=True)
class Note:
    """What a lenient import left out or converted: a record, a field in it, and what."""

    record: str
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.record}: {self.field}: {self.message}"


class Notes:
    def __init__(self) -> None:
        self.items: list[Note] = []

    def add(self, record: str, field: str, message: str) -> None:
        self.items.append(Note(record, field, message))

    def left_out(self, record: str, field: str, value: Any, why: str = "") -> None:
        self.add(
            record, field, f"left out ({why or 'Tsunagu has no place for it'}): {_shown(value)}"
        )

    def text(self, record: str, path: str, value: Any, limit_key: str = "") -> str | None:
        """Text that fits its column; longer text is shortened, anything else left out."""
        if value is None:
            return None
        if not isinstance(value, str):
            if isinstance(value, int | float) and not isinstance(value, bool):
                return str(value)
            self.left_out(record, path, value, "not text")
            return None
        limit = LIMITS.get(limit_key or path.rsplit(".", 1)[-1], 4000)
        if len(value) <= limit:
            return value
        self.add(record, path, f"shortened to {limit} characters, the column's size")
        return value[: limit - 1] + "…"

    def link(self, record: str, path: str, value: Any) -> tuple[str | None, str | None]:
        """(an https link, or None; text to keep instead, or None)."""
        if not isinstance(value, str) or not value.strip():
            return None, None
        value = value.strip()
        parts = urlsplit(value) if value.isprintable() and " " not in value else None
        if parts and parts.netloc and len(value) <= LIMITS["url"]:
            if parts.scheme == "https":
                return value, None
            if parts.scheme == "http":
                self.add(
                    record, path, f"kept as text, not as a link (only https is linked): {value}"
                )
                return None, value
        self.left_out(record, path, value, "not a web address")
        return None, None

    def email(self, record: str, path: str, value: Any) -> str | None:
        if value is None or (isinstance(value, str) and EMAIL.match(value) and len(value) <= 254):
            return value
        self.left_out(record, path, value, "not an e-mail address")
        return None

    def phone(self, record: str, path: str, phone: Json) -> Json | None:
        """A phone as we keep it, or None when it is not one a resident can ring."""
        kind = phone.get("type")
        if kind is not None and kind not in CALLABLE_PHONES:
            self.left_out(record, path, phone.get("number"), f"a {kind} number, not a line to ring")
            return None
        raw = phone.get("number")
        number = clean_number(raw) if isinstance(raw, str) else None
        if number is None:
            self.left_out(record, f"{path}.number", raw, "not a phone number")
            return None
        if number != raw:
            self.add(record, f"{path}.number", f"written as {number} (was {_shown(raw)})")
        kept: Json = {"id": phone["id"], "number": number}
        description = self.text(record, f"{path}.description", phone.get("description"))
        extension = phone.get("extension")
        if extension not in (None, ""):
            description = f"{description or ''}（内線 {extension}）".lstrip()
            self.add(record, f"{path}.extension", f"kept in the description: 内線 {extension}")
        if description:
            kept["description"] = self.text(
                record, f"{path}.description", description, "description@phone"
            )
        for key in sorted(
            set(phone) - {"id", "number", "description", "extension", "type"} - LINKS
        ):
            if key != "attributes" and phone[key] not in (None, "", []):
                self.left_out(record, f"{path}.{key}", phone[key])
        if "attributes" in phone:
            kept["attributes"] = phone["attributes"]
        return kept


def clean_number(raw: str) -> str | None:
    """Digits and hyphens, a leading + or # kept: "+44 1234 234567" is +44-1234-234567."""
    text = unicodedata.normalize("NFKC", raw).strip().strip("\"'").strip()
    text = HYPHENS.sub("-", SEPARATORS.sub("-", text)).strip("-")
    return text if PHONE.match(text) and len(text) <= LIMITS["number"] else None


def japan_time(notes: Notes, record: str, path: str, row: Json) -> Json:
    """A schedule row in Japan time with weekly hours only; what does not fit is noted."""
    row = {key: value for key, value in row.items() if key not in LINKS}
    for key in ("wkst", "schedule_link", "attending_type", "notes"):
        value = row.pop(key, None)
        if value not in (None, ""):
            notes.left_out(record, f"{path}.{key}", value)
    for start, end in (("dtstart", "valid_from"), ("until", "valid_to")):
        value = row.pop(start, None)
        if isinstance(value, str) and _is_date(value[:10]) and end not in row:
            row[end] = value[:10]
            notes.add(record, f"{path}.{start}", f"kept as {end} {value[:10]}")
        elif value is not None:
            notes.left_out(record, f"{path}.{start}", value, "Tsunagu keeps a date range only")
    for key in DROPPED_RULES:
        if key in row:
            notes.left_out(record, f"{path}.{key}", row.pop(key), "the hours now apply every week")
    _drop_unreadable(notes, record, path, row)
    if not any(key in row for key in ("freq", "valid_from", "opens_at", "closes_at")):
        # Hours as text only, as our export writes a service's hours note.
        for key in sorted(set(row) - TEXT_ROW):
            notes.left_out(record, f"{path}.{key}", row[key], "hours given as text only")
        return {key: value for key, value in row.items() if key in TEXT_ROW}
    if row.get("freq") == "DAILY" and row.get("interval", 1) == 1:
        row["freq"], row["byday"] = "WEEKLY", ",".join(WEEKDAYS)
        notes.add(record, f"{path}.freq", "daily hours kept as every day of the week")
    if not _weekly_or_dated(row):
        notes.add(
            record, path, "only weekly hours or dated ones are kept: its text joins the hours note"
        )
        return {"id": row["id"], "description": row.get("description", "")}
    if (
        "valid_to" in row
        and "valid_from" in row
        and _day(row["valid_to"]) < _day(row["valid_from"])
    ):
        notes.left_out(record, f"{path}.valid_to", row.pop("valid_to"), "ends before it begins")
    return _shift_zone(notes, record, path, row)


def _weekly_or_dated(row: Json) -> bool:
    days = [day for day in str(row.get("byday", "")).split(",") if day]
    times = all(
        isinstance(row.get(k), str) and CLOCK.match(row[k]) for k in ("opens_at", "closes_at")
    )
    if row.get("freq"):
        return (
            row["freq"] == "WEEKLY" and row.get("interval", 1) == 1 and bool(days) and times
            and all(day in WEEKDAYS for day in days)
        )  # fmt: skip
    if not isinstance(row.get("valid_from"), str) or not _is_date(row["valid_from"]):
        return False
    return times or not any(k in row for k in ("opens_at", "closes_at"))


def _shift_zone(notes: Notes, record: str, path: str, row: Json) -> Json:
    zone = row.pop("timezone", UTC_OFFSET)
    if zone == UTC_OFFSET:
        return row
    if not isinstance(zone, int | float) or isinstance(zone, bool) or not -14 <= zone <= 14:
        notes.add(
            record,
            f"{path}.timezone",
            f"not a UTC offset ({_shown(zone)}): its text joins the hours note",
        )
        return {"id": row["id"], "description": row.get("description", "")}
    shift = round((UTC_OFFSET - zone) * 60)
    before = _hours_text(row)
    if "opens_at" in row:
        opens = _minutes(row["opens_at"]) + shift
        days_moved = opens // DAY_MINUTES
        row["opens_at"] = _clock(opens)
        row["closes_at"] = _clock(_minutes(row["closes_at"]) + shift)
        if days_moved and row.get("byday"):
            row["byday"] = ",".join(
                WEEKDAYS[(WEEKDAYS.index(day) + days_moved) % 7] for day in row["byday"].split(",")
            )
        if days_moved and not row.get("freq"):
            try:
                for key in ("valid_from", "valid_to"):
                    if key in row:
                        row[key] = (_day(row[key]) + timedelta(days=days_moved)).isoformat()
            except OverflowError:  # moved before year 1 or after 9999: no date to keep
                notes.add(
                    record, path, "its dates leave the calendar: its text joins the hours note"
                )
                return {"id": row["id"], "description": row.get("description", "")}
    notes.add(
        record,
        f"{path}.timezone",
        f"converted from UTC{zone:+g} to Japan time: {before} became {_hours_text(row)}",
    )
    return row


def _hours_text(row: Json) -> str:
    days = row.get("byday") or row.get("valid_from", "")
    return f"{days} {row.get('opens_at', '')[:5]}-{row.get('closes_at', '')[:5]}".strip()


def _minutes(clock: str) -> int:
    hours, minutes = clock.split(":")[:2]
    return int(hours) * 60 + int(minutes)


def _clock(minutes: int) -> str:
    minutes %= DAY_MINUTES
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _drop_unreadable(notes: Notes, record: str, path: str, row: Json) -> None:
    """Dates that are not dates and days that are not text, left out before anything compares
    or splits them (an exporter's null is an empty field, left out without a note)."""
    for key in ("valid_from", "valid_to", "byday"):
        if key not in row:
            continue
        value = row[key]
        if value is None:
            del row[key]
        elif key == "byday" and not isinstance(value, str):
            notes.left_out(record, f"{path}.{key}", row.pop(key), "not a list of days")
        elif key != "byday" and not (isinstance(value, str) and _is_date(value)):
            notes.left_out(record, f"{path}.{key}", row.pop(key), "not a date")


def _day(value: str) -> date:
    return date.fromisoformat(value)


def _is_date(value: str) -> bool:
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _shown(value: Any) -> str:
    if isinstance(value, list):
        return f"{len(value)} item(s)"
    if isinstance(value, dict):
        return f"an object with id {value.get('id', '?')}"
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= 60 else text[:59] + "…"
