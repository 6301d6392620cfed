"""Our rules for single values in an imported dataset, beyond what the HSDS schemas ask.

Phone numbers are digits and hyphens with a leading # or + at most, links are https only, texts
fit our columns, dates and times are real, and our own fields (``vocabulary.FIELDS``) hold values
we can store. Each problem names its record and the field's path inside it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any
from urllib.parse import urlsplit

from directory.hsds.vocabulary import JAPAN, Field
from directory.models import AREAS, AUDIENCES, COST_KINDS, ORGANIZATION_STATES

PHONE = re.compile(r"^[#+]?[0-9][0-9-]*$")
ACCOUNT_ID = re.compile(r"^@[A-Za-z0-9._-]{1,40}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
CLOCK = re.compile(r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?$")
# Our columns' sizes, so a long value is a readable problem rather than a database error.
LIMITS = {
    "name": 300,
    "url": 500,
    "email": 254,
    "website": 500,
    "number": 500,
    "description@phone": 300,
    "code": 16,
    "extent_type": 32,
    "home_group": 16,
    "confidence": 8,
    "verified_by": 200,
    "updated_by": 200,
    "field_name": 64,
    "last_action_type": 16,
    "name@service_area": 200,
    "name@language": 100,
    "value": 500,
    "postal_code": 16,
    "state_province": 64,
    "city": 100,
    "address_1": 300,
    "channel_label": 300,
    "name_kana": 300,
    "name_en": 300,
}

# Our fields that hold one of a few values.
CHOICES = {
    "area": AREAS,
    "cost": COST_KINDS,
    "audience_code": AUDIENCES,
    "organization_status": ORGANIZATION_STATES,
}


@dataclass(frozen=True)
class Problem:
    record: str  # e.g. "service 0f8c…", or "file"
    field: str  # a path inside the record, e.g. "phones[0].number"
    message: str

    def __str__(self) -> str:
        return f"{self.record}: {self.field}: {self.message}"


class ValueChecks:
    """Checks of one value each; every problem found is kept in ``problems``."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, record: str, path: str, message: str) -> None:
        self.problems.append(Problem(record, path, message))

    def channel(self, record: str, path: str, kind: str, value: str) -> None:
        if kind == "email":
            self.email(record, path, value or "-")
        elif kind in ("line", "sns") and ACCOUNT_ID.match(value):
            return
        elif kind == "in_person" and value and not SCHEME.match(value):
            self.text(record, path, value)
        else:
            self.link(record, path, value or "-")

    def value(self, record: str, path: str, known: Field, value: Any) -> None:
        text = value if isinstance(value, str) else ""
        checks = {
            "bool": text in ("true", "false"),
            "int": text.isascii() and text.isdigit() and len(text) < 10,
            "time": bool(CLOCK.match(text)),
            "datetime": parses(text, aware),
        }
        if not checks.get(known.kind, True) or value is None:
            self.add(record, path, f"not a valid {known.kind} for {known.code}")
        elif known.code in CHOICES:
            choices = CHOICES[known.code]
            if text not in choices:
                self.add(record, path, f"{known.code} must be one of {', '.join(choices)}")
        elif known.code == "source_url":
            for source in text.split(" | "):
                if SCHEME.match(source) and not source.startswith(("https://", "http://")):
                    self.add(record, path, f"a source must be a web address, not {source[:40]}")
        else:
            self.text(record, path, text, known.code)

    def text(
        self, record: str, path: str, value: str, limit_key: str = "", required: bool = False
    ) -> None:
        limit = LIMITS.get(limit_key or path.rsplit(".", 1)[-1], 4000)
        if required and not value.strip():
            self.add(record, path, "must not be empty")
        elif len(value) > limit:
            self.add(record, path, f"longer than {limit} characters")

    def link(self, record: str, path: str, value: str | None) -> None:
        if value is None:
            return
        parts = urlsplit(value) if value.isprintable() and " " not in value else None
        if parts is None or parts.scheme != "https" or not parts.netloc or len(value) > 500:
            self.add(record, path, "only https:// addresses can be stored")

    def email(self, record: str, path: str, value: str | None) -> None:
        if value is not None and (not EMAIL.match(value) or len(value) > 254):
            self.add(record, path, "not an e-mail address")

    def moment(self, record: str, path: str, value: str | None, parse: Any) -> None:
        if value is not None and not parses(value, parse):
            self.add(record, path, f"not a valid date{'-time' if parse is aware else ''}")


def parses(value: str, parse: Any) -> bool:
    try:
        parse(value)
    except (TypeError, ValueError):
        return False
    return True


def aware(value: str) -> datetime:
    """An ISO date-time that says its time zone (a bare one is an error, never a guess)."""
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        raise ValueError("no time zone")
    return parsed


def action_date(value: str) -> datetime:
    """HSDS metadata keeps a day (the day in Japan); a full date-time is taken as it is."""
    if len(value) == 10:
        return datetime.combine(date.fromisoformat(value), time(), JAPAN).astimezone(UTC)
    return aware(value).astimezone(UTC)
