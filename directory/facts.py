"""Read the sourced fact sheet (``data/directory-facts.csv``) as directory records.

Only what the sheet states is kept. Numbers and addresses are taken from its text verbatim.
Rows of low confidence, and rows where the sheet marks a fact as not confirmed (in the fact's
own column or in its note: 未確認, 要再確認, 掲載前に…確認を, unclear ...), are marked as
needing a check ("要確認"), with the sheet's own note, led by the columns concerned.
The research notes the sheet writes inside the facts ("（2020年時点）", "…とみられる", "※…") are
taken out of every field residents read and kept in that staff-only note (`fact_notes`); a
contact the sheet doubts is marked unconfirmed, so the public pages show it as text, not as a
link, until staff confirm it. Ids derive from the names, so loading the demo again updates the
same rows.
"""

from __future__ import annotations

import csv
import re
import uuid
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from directory.fact_notes import split_notes
from directory.models import (
    ContactChannel,
    Language,
    Organization,
    Service,
    ServiceArea,
    TaxonomyTerm,
)
from directory.taxonomy import AUDIENCE_BY_TOPIC, TAXONOMY, term_id
from directory.topics import FACT_SHEET_TOPICS, TOPICS

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
# How the sheet says that a fact is not confirmed, and the columns that hold facts shown to
# residents (with the names staff read in the to-verify list).
UNCONFIRMED = re.compile(r"未確認|要再確認|要確認|確認を|不明|unclear|unconfirmed", re.IGNORECASE)
FACT_COLUMNS = {
    "contact": "連絡先",
    "hours": "受付時間",
    "audience": "対象",
    "free": "費用",
    "anonymous": "匿名",
    "languages": "言語",
    "address": "住所",
}

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


def unconfirmed_columns(row: Mapping[str, str]) -> list[str]:
    """The names of the fact columns the sheet marks as not confirmed, in sheet order."""
    return [label for column, label in FACT_COLUMNS.items() if UNCONFIRMED.search(row[column])]


def needs_check(row: Mapping[str, str]) -> bool:
    """要確認: low confidence, or a fact the sheet marks as not confirmed (or its note does)."""
    marked = unconfirmed_columns(row) or UNCONFIRMED.search(row["note"])
    return row["confidence"] == "low" or bool(marked)


def check_note(row: Mapping[str, str]) -> str:
    columns = unconfirmed_columns(row)
    lead = f"未確認の項目: {'・'.join(columns)}。" if columns else ""
    notes = public_facts(row).notes
    taken = [f"{label}「{note}」" for label, found in notes.items() for note in found]
    kept = f"\n公開ページから外した注記: {'、'.join(taken)}" if taken else ""
    return lead + row["note"] + kept


@dataclass(frozen=True)
class PublicFacts:
    """A row's fields as residents read them, and the notes taken out of each (by label)."""

    name: str
    operator: str
    contact: str
    hours: str
    audience: str
    cost_note: str
    languages: str
    address: str
    notes: dict[str, list[str]]

    @property
    def contact_confirmed(self) -> bool:
        return "連絡先" not in self.notes


# The fields residents read, with the names staff read beside the notes taken out of them.
PUBLIC_COLUMNS = {"name": "名称", "operator": "運営", **FACT_COLUMNS}


def public_facts(row: Mapping[str, str]) -> PublicFacts:
    """The row without the research notes in its fields (see `directory.fact_notes`)."""
    values, notes = {}, {}
    for column, label in PUBLIC_COLUMNS.items():
        text = row[column]
        if column in ("free", "anonymous"):
            text = _split_flag(text)[1]
        elif column == "languages" and text.startswith("not stated"):
            text = text.removeprefix("not stated")
            notes[label] = [text.strip("（）")] if text else []
            text = ""
        values[column], taken = split_notes(text)
        if taken:
            notes.setdefault(label, []).extend(taken)
    return PublicFacts(
        name=values["name"], operator=values["operator"], contact=values["contact"],
        hours=values["hours"], audience=values["audience"], cost_note=values["free"],
        languages=values["languages"], address=values["address"],
        notes={label: found for label, found in notes.items() if found},
    )  # fmt: skip


def contact_confirmed(row: Mapping[str, str]) -> bool:
    """The sheet is sure of the contact: not a low-confidence row, and no doubt or source
    note in the contact column (unconfirmed, secondary source, "as written in a 2020 blog")."""
    return row["confidence"] != "low" and public_facts(row).contact_confirmed


def _topics(value: str) -> list[str]:
    return [FACT_SHEET_TOPICS[t.strip()] for t in value.split(";") if t.strip()]


def services_from_rows(
    rows: Iterable[dict[str, str]], home_groups: Mapping[str, str] | None = None
) -> list[Service]:
    """Every row as a published service with its organization: unsaved records, which
    ``directory.demo`` writes as an HSDS dataset and imports."""
    home_groups = home_groups or {}
    terms = topic_terms()
    organizations: dict[str, Organization] = {}
    return [
        _service(row, order, home_groups.get(row["name"]), organizations, terms)
        for order, row in enumerate(rows)
    ]


def topic_terms() -> dict[str, TaxonomyTerm]:
    """Our topics as unsaved terms, as ``ensure_topics`` stores them; by code."""
    return {
        topic.slug: TaxonomyTerm(
            id=term_id(topic.slug),
            code=topic.slug,
            name=topic.ja,
            name_en=topic.en,
            name_kana=topic.kana,
            taxonomy=TAXONOMY,
            sort_order=order,
        )
        for order, topic in enumerate(TOPICS)
    }


def _service(
    row: dict[str, str],
    order: int,
    home_group: str | None,
    organizations: dict[str, Organization],
    terms: dict[str, TaxonomyTerm],
) -> Service:
    facts = public_facts(row)
    organization_id = stable_id("organization", facts.operator)
    organization = organizations.get(organization_id)
    if organization is None:
        organization = Organization(id=organization_id, name=facts.operator, description="")
        organizations[organization_id] = organization
    cost, _ = _split_flag(row["free"])
    anonymous, _ = _split_flag(row["anonymous"])
    topics = _topics(row["topics"])
    area_name, extent = SERVICE_AREA_BY_SHEET[row["area"]]
    return Service(
        id=stable_id("service", row["name"]),
        organization_id=organization_id,
        organization=organization,
        name=facts.name,
        audience=facts.audience,
        topics=[terms[code] for code in topics],
        audiences=sorted({AUDIENCE_BY_TOPIC[c] for c in topics if c in AUDIENCE_BY_TOPIC}),
        hours_note=facts.hours,
        contact_note=facts.contact,
        cost=COST_BY_SHEET.get(cost, "unknown"),
        cost_note=facts.cost_note,
        anonymous=True if anonymous == "yes" else None,
        # 日本語 alone is the language record below; a note would only say it twice.
        languages_note="" if facts.languages == "日本語" else facts.languages,
        address=facts.address,
        area=AREA_BY_SHEET[row["area"]],
        status="published",
        home_group=home_group,
        sort_order=order,
        confidence=row["confidence"],
        needs_check=needs_check(row),
        check_note=check_note(row),
        contact_confirmed=contact_confirmed(row),
        source_url=row["source_url"],
        source_date=row["source_date"],
        service_areas=[ServiceArea(name=area_name, extent_type=extent)],
        # Only a language the sheet names plainly becomes a language record; the rest stays a
        # note.
        languages=[Language(code="ja", name="日本語")] if "日本語" in row["languages"] else [],
        channels=[
            ContactChannel(kind=c.kind, value=c.value, label=c.label, sort_order=i)
            for i, c in enumerate(parse_channels(facts.contact, row["kind"]))
        ],
    )
