"""Load the sourced fact sheet (``data/directory-facts.csv``) into the directory.

Only what the sheet states is loaded. Numbers and addresses are taken from its text verbatim;
rows of low confidence are marked as needing a check ("要確認"), with the sheet's own note.
Loading is idempotent: ids derive from the names, so a second run updates the same rows.
"""

from __future__ import annotations

import csv
import re
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from directory.models import ContactChannel, Language, Organization, Service, ServiceArea
from directory.taxonomy import AUDIENCE_BY_TOPIC, ensure_topics
from directory.topics import FACT_SHEET_TOPICS

FACT_SHEET = Path(__file__).resolve().parent / "data" / "directory-facts.csv"
ID_NAMESPACE = uuid.UUID("6f1c3f0e-7f5e-4c1b-9a49-2d1f0c1d8e11")

AREA_BY_SHEET = {"national": "national", "kyoto": "prefecture", "kyotango": "municipality"}
# The service area each sheet area stands for (HSDS service_area name and extent type).
SERVICE_AREA_BY_SHEET = {
    "national": ("日本全国", "national"),
    "kyoto": ("京都府", "prefecture"),
    "kyotango": ("京丹後市", "municipality"),
}
COST_BY_SHEET = {"yes": "free", "partly": "partly", "no": "paid"}

PHONE = re.compile(r"#\d{4}|0\d{1,4}-\d{1,6}(?:-\d{1,5})?|^\d{3}(?=\D|$)")
URL = re.compile(r"https://[^\s（）()、／|]+")
LINE_ID = re.compile(r"@[A-Za-z0-9._-]+")
NOTE_AFTER = re.compile(r"^\s*（([^）]*)）")
LABEL_EDGES = re.compile(r"^(?:または|[\s　:：、（])+|(?:または|[\s　:：、（])+$")


@dataclass(frozen=True)
class ParsedChannel:
    kind: str
    value: str
    label: str


def stable_id(*parts: str) -> str:
    return str(uuid.uuid5(ID_NAMESPACE, "/".join(parts)))


def read_rows(path: Path = FACT_SHEET) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def parse_channels(contact: str, kinds: str) -> list[ParsedChannel]:
    """Pull phone numbers, https addresses and LINE ids out of the sheet's contact text."""
    channels: list[ParsedChannel] = []
    for segment in (part.strip() for part in contact.split("／")):
        channels.extend(_segment_channels(segment, kinds))
    return channels


def _segment_channels(segment: str, kinds: str) -> Iterator[ParsedChannel]:
    matches = sorted(
        [("phone", m) for m in PHONE.finditer(segment)]
        + [("url", m) for m in URL.finditer(segment)]
        + [("line", m) for m in LINE_ID.finditer(segment)],
        key=lambda item: item[1].start(),
    )
    previous_end = 0
    for kind, match in matches:
        if match.start() < previous_end:
            continue  # inside the note of the previous match, e.g. a FAX number
        label = LABEL_EDGES.sub("", segment[previous_end : match.start()])
        after = NOTE_AFTER.match(segment[match.end() :])
        if after:
            label = f"{label}（{after.group(1)}）" if label else after.group(1)
        previous_end = match.end() + (after.end() if after else 0)
        yield ParsedChannel(_channel_kind(kind, segment, kinds), match.group(0), label)


def _channel_kind(kind: str, segment: str, kinds: str) -> str:
    if kind == "phone":
        return "phone"
    if kind == "line":
        return "line" if "LINE" in segment else "sns"
    return "chat" if "chat" in kinds or "チャット" in segment else "web"


def _split_flag(value: str) -> tuple[str, str]:
    head, _, rest = value.partition("（")
    return head.strip(), rest.rstrip("）").strip()


def _topics(value: str) -> list[str]:
    return [FACT_SHEET_TOPICS[t.strip()] for t in value.split(";") if t.strip()]


def load_fact_sheet(
    session: Session,
    rows: Iterable[dict[str, str]],
    home_groups: dict[str, str] | None = None,
) -> int:
    """Upsert every row as a published service; returns how many rows were loaded."""
    home_groups = home_groups or {}
    terms = ensure_topics(session)
    count = 0
    for order, row in enumerate(rows):
        _upsert_row(session, row, order, home_groups.get(row["name"]), terms)
        count += 1
    return count


def _upsert_row(
    session: Session,
    row: dict[str, str],
    order: int,
    home_group: str | None,
    terms: dict,
) -> None:
    organization_id = stable_id("organization", row["operator"])
    organization = session.get(Organization, organization_id)
    if organization is None:
        organization = Organization(id=organization_id, name=row["operator"])
        session.add(organization)
    service_id = stable_id("service", row["name"])
    service = session.get(Service, service_id) or Service(id=service_id)
    cost, cost_note = _split_flag(row["free"])
    anonymous, _ = _split_flag(row["anonymous"])
    service.organization = organization
    service.name = row["name"]
    service.audience = row["audience"]
    topics = _topics(row["topics"])
    service.topics = [terms[code] for code in topics]
    service.audiences = sorted({AUDIENCE_BY_TOPIC[c] for c in topics if c in AUDIENCE_BY_TOPIC})
    service.hours_note = row["hours"]
    service.contact_note = row["contact"]
    service.cost = COST_BY_SHEET.get(cost, "unknown")
    service.cost_note = cost_note
    service.anonymous = True if anonymous == "yes" else None
    service.languages_note = "" if row["languages"] == "not stated" else row["languages"]
    service.address = row["address"]
    service.area = AREA_BY_SHEET[row["area"]]
    service.status = "published"
    service.home_group = home_group
    service.sort_order = order
    service.confidence = row["confidence"]
    service.needs_check = row["confidence"] == "low"
    service.check_note = row["note"]
    service.source_url = row["source_url"]
    service.source_date = row["source_date"]
    area_name, extent = SERVICE_AREA_BY_SHEET[row["area"]]
    service.service_areas = [ServiceArea(name=area_name, extent_type=extent)]
    # Only a language the sheet names plainly becomes a language record; the rest stays a note.
    service.languages = [Language(code="ja", name="日本語")] if "日本語" in row["languages"] else []
    service.channels = [
        ContactChannel(kind=c.kind, value=c.value, label=c.label, sort_order=i)
        for i, c in enumerate(parse_channels(row["contact"], row["kind"]))
    ]
    session.add(service)
