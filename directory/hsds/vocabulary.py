"""What our HSDS 3.0 data says beyond the standard, and the ids and order it is written in.

The standard fields carry what HSDS has a place for. Everything else of ours travels as HSDS
``attributes`` linked to terms of our own taxonomies, so an export loses nothing and any HSDS
reader can ignore what it does not know:

- ``tsunagu-topics``: the topics a service covers (attribute without a value).
- ``tsunagu-contact-channel``: ways to reach a service other than a phone number (LINE, chat,
  web, SNS, e-mail, in person), ``value`` the address or ID as written. Phone numbers are HSDS
  ``phones``: ``number`` as written, ``description`` our label.
- ``tsunagu-fields``: our own fields (``FIELDS``), one term per field, ``value`` as text. A field
  at its default value is left out: an organisation's ``organization_status``, for one, only
  appears as ``archived``. The kana reading is the ``name_kana`` field rather than
  ``alternate_name``: a reading is not another name, and HSDS readers would show it as one.

Our integer-keyed rows get UUIDs from uuid5 over the owner's id and the row's position (contact
channels, whose order is kept in a ``channel_position`` field) or its exported content (the
rest), so the same data always exports the same bytes. Nested lists come in one canonical order
(``canonical``), whichever way the data came in.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta, timezone
from typing import Any

from directory.taxonomy import TAXONOMY as TOPIC_TAXONOMY
from directory.taxonomy import TERM_NAMESPACE
from directory.taxonomy import term_id as topic_term_id
from directory.topics import TOPIC_BY_SLUG

Json = dict[str, Any]
HSDS_VERSION = "3.0"
# The base specification, exactly as validated: this API uses no HSDS profile.
PROFILE_URI = "https://github.com/openreferral/specification/tree/3.0"
OPENAPI_URI = "https://raw.githubusercontent.com/openreferral/specification/3.0/schema/openapi.json"
JAPAN = timezone(timedelta(hours=9), "JST")  # Japan keeps no daylight saving time
UTC_OFFSET = 9  # HSDS schedule.timezone is a UTC offset in hours
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")  # our weekday 0 is Monday
ID_NAMESPACE = uuid.UUID("5b0f8f1e-3c47-4d0a-8e8c-2f4a6d9b1c73")
CHANNEL_TAXONOMY = "tsunagu-contact-channel"
FIELD_TAXONOMY = "tsunagu-fields"
CHANNEL_TERMS = {  # code: (name, description)
    "line": ("LINE", "A LINE account; value is its ID (@...) or https address"),
    "chat": ("チャット", "A chat service; value is its https address"),
    "web": ("ウェブサイト", "A web page or form; value is its https address"),
    "sns": ("SNS", "Another social network account; value is its ID or https address"),
    "email": ("メール", "E-mail; value is the address"),
    "in_person": ("窓口", "In person at a counter; value says where, as written"),
}
TAXONOMIES = {  # name: description
    TOPIC_TAXONOMY: "Tsunagu topics: the problems behind suicide risk and the people a service"
    " reaches.",
    CHANNEL_TAXONOMY: "Tsunagu contact channels: ways to reach a service besides a phone number.",
    FIELD_TAXONOMY: "Tsunagu fields: directory fields that HSDS has no place for; the attribute"
    " value holds the field's value as text.",
}
LISTS = {  # a dataset's top-level list -> HSDS table
    "organizations": "organization",
    "services": "service",
    "locations": "location",
    "service_at_locations": "service_at_location",
    "taxonomies": "taxonomy",
    "taxonomy_terms": "taxonomy_term",
}


@dataclass(frozen=True)
class Field:
    """One of our fields, carried as a ``tsunagu-fields`` attribute of the record it belongs to."""

    code: str
    attr: str
    kind: str  # text, bool, int, time, datetime or list (one attribute per item)
    description: str
    default: Any = ""  # the model's default: left out when written, and set when absent
    internal: bool = False  # staff only: never in the public API
    always: bool = False  # written even at its default, because readers need to see it


SERVICE_FIELDS = (
    Field("name_kana", "name_kana", "text", "よみ: the reading of the name in hiragana"),
    Field("area", "area", "text", "municipality, prefecture or national", "national", always=True),
    Field("audience_code", "audiences", "list", "Who it is for: youth, women, elderly, ..."),
    Field("hours_note", "hours_note", "text", "Opening hours as written (beside schedules)"),
    Field("closed_on_holidays", "closed_on_holidays", "bool", "Closed on public holidays", False),
    Field("closed_over_year_end", "closed_over_year_end", "bool", "Closed 29 Dec-3 Jan", False),
    Field("contact_note", "contact_note", "text", "How to get in touch, as written"),
    Field("cost", "cost", "text", "free, partly, paid or unknown", "unknown", always=True),
    Field("anonymous", "anonymous", "bool", "Can be used without giving a name", None),
    Field("languages_note", "languages_note", "text", "Languages, as written"),
    Field("address", "address", "text", "Address, as written"),
    Field("home_group", "home_group", "text", "Featured on the home page: phone or sns", None),
    Field("dedicated_window", "is_dedicated_window", "bool", "The municipality's window", False),
    Field("crisis_line", "is_crisis_line", "bool", "Listed first while open: talk now", False),
    Field("sort_order", "sort_order", "int", "Position in listings", 0),
    Field("confidence", "confidence", "text", "How sure the sources are", "low", always=True),
    Field("needs_check", "needs_check", "bool", "Facts await a check (要確認)", True, always=True),
    Field("source_url", "source_url", "text", "Sources of the facts, separated by ' | '"),
    Field("source_date", "source_date", "text", "Dates of the sources, as written"),
    Field("contact_confirmed", "contact_confirmed", "bool", "Contacts confirmed: links", True),
    Field("check_note", "check_note", "text", "Staff note on what to check", internal=True),
    Field("verified_by", "verified_by", "text", "Who last confirmed the facts", internal=True),
    # HSDS 3.0 has one language per record (no translations): the English texts and the easy
    # Japanese summary travel as our fields.
    Field("name_en", "name_en", "text", "The name in English, as English pages show it"),
    Field("audience_en", "audience_en", "text", "Who it is for, in English"),
    Field("summary_en", "summary_en", "text", "A one-line summary in English"),
    Field("hours_note_en", "hours_note_en", "text", "Opening hours as written, in English"),
    Field("cost_note_en", "cost_note_en", "text", "About the cost, in English"),
    Field("summary_easy", "summary_easy", "text", "A summary in easy Japanese (やさしい日本語)"),
    Field("created_at", "created_at", "datetime", "When the record was created", None, True),
)
NAME_KANA, CREATED_AT = SERVICE_FIELDS[0], SERVICE_FIELDS[-1]
NAME_EN = next(field for field in SERVICE_FIELDS if field.code == "name_en")
ORGANIZATION_FIELDS = (
    NAME_KANA,
    NAME_EN,
    CREATED_AT,
    Field("updated_at", "updated_at", "datetime", "When the record last changed", None, True),
    Field("organization_status", "status", "text", "active, or archived (no service)", "active"),
)
LOCATION_FIELDS = (NAME_KANA,)
SCHEDULE_FIELDS = (
    Field("last_intake_at", "last_intake_at", "time", "Last call or intake taken at", None),
    Field("closed", "closed", "bool", "Closed on these dates", False),
)
CHANNEL_FIELDS = (
    Field("channel_label", "label", "text", "The channel's label, as written"),
    Field("channel_position", "sort_order", "int", "The channel's place among all channels", None),
)
FIELDS = {
    f.code: f for f in (*SERVICE_FIELDS, *ORGANIZATION_FIELDS, *SCHEDULE_FIELDS, *CHANNEL_FIELDS)
}

Terms = dict[str, tuple[str, str]]  # term id -> (taxonomy, code)


def derived_id(*parts: str) -> str:
    return str(uuid.uuid5(ID_NAMESPACE, "/".join(parts)))


def term_id(taxonomy: str, code: str) -> str:
    """The same ids as ``directory.taxonomy.term_id`` gives our topics."""
    return str(uuid.uuid5(TERM_NAMESPACE, f"{taxonomy}/{code}"))


def taxonomy_id(name: str) -> str:
    return str(uuid.uuid5(TERM_NAMESPACE, f"taxonomy/{name}"))


def builtin_terms() -> list[Json]:
    """The terms of our channel and field taxonomies, which live in code, not in the database."""
    terms = [(CHANNEL_TAXONOMY, code, name, text) for code, (name, text) in CHANNEL_TERMS.items()]
    terms += [(FIELD_TAXONOMY, f.code, f.code, f.description) for f in FIELDS.values()]
    return [
        {
            "id": term_id(taxonomy, code),
            "code": code,
            "name": name,
            "description": text,
            "taxonomy": taxonomy,
            "taxonomy_id": taxonomy_id(taxonomy),
        }
        for taxonomy, code, name, text in terms
    ]


def term_map(data: Json) -> Terms:
    """Every term id a dataset may use: ours, and the file's terms of our taxonomies."""
    terms = {t["id"]: (t["taxonomy"], t["code"]) for t in builtin_terms()}
    terms.update((topic_term_id(code), (TOPIC_TAXONOMY, code)) for code in TOPIC_BY_SLUG)
    for term in objects(data, "taxonomy_terms"):
        if isinstance(term.get("id"), str) and known_term(term):
            terms[term["id"]] = (term["taxonomy"], term["code"])
    return terms


def known_term(term: Json) -> bool:
    known = {
        TOPIC_TAXONOMY: TOPIC_BY_SLUG,
        CHANNEL_TAXONOMY: CHANNEL_TERMS,
        FIELD_TAXONOMY: FIELDS,
    }.get(term.get("taxonomy", ""), {})
    return term.get("code") in known


def objects(data: Json, key: str) -> list[Json]:
    """The objects of one top-level list, whatever else a file may hold there."""
    items = data.get(key, [])
    return [item for item in items if isinstance(item, dict)] if isinstance(items, list) else []


def canonical(items: Iterable[Json], kind: str) -> list[Json]:
    """The one order nested lists are written in: phones by position, schedules by day."""
    if kind == "phones":
        return sorted(items, key=lambda p: (_position(p), p["id"]))
    if kind == "schedules":
        return sorted(items, key=_schedule_key)
    if kind == "metadata":
        return sorted(items, key=lambda row: (row["last_action_date"], row["id"]))
    return sorted(items, key=lambda item: item["id"])


def _position(item: Json) -> int:
    term = term_id(FIELD_TAXONOMY, "channel_position")
    for attr in item.get("attributes", []):
        value = str(attr.get("value", ""))
        if attr.get("taxonomy_term_id") == term and value.isascii() and value.isdigit():
            return int(value)
    return 1 << 30


def _schedule_key(row: Json) -> tuple:
    day = WEEKDAYS.index(row["byday"]) if row.get("byday") in WEEKDAYS else 9
    shape = 0 if row.get("freq") else 1 if row.get("valid_from") else 2
    return (shape, day, row.get("valid_from", ""), row.get("opens_at", ""), row["id"])
