"""The demo directory's texts in other languages, and the languages its services are used in.

Three files beside the fact sheet, each a table per service keyed by the service's id
(`directory.facts.stable_id`): ``services_en.toml`` (the English fields and the organisation's
English name), ``services_easy.toml`` (the やさしい日本語 summary; loaded when present) and
``service_languages.toml`` (HSDS language records, with their sources). A key, a service or a
language code the loader does not know is an error (`DemoTextError`), so a typo never passes
silently into the demo.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from directory.editing.languages import language_names
from directory.models import Language, Service

DATA = Path(__file__).resolve().parent / "data"
ENGLISH = DATA / "services_en.toml"
EASY = DATA / "services_easy.toml"
LANGUAGES = DATA / "service_languages.toml"

SERVICE_FIELDS_EN = ("name_en", "audience_en", "summary_en", "hours_note_en", "cost_note_en")
ENGLISH_KEYS = frozenset({*SERVICE_FIELDS_EN, "organization_name_en"})
EASY_KEYS = frozenset({"summary_easy"})
LANGUAGE_KEYS = frozenset({"codes", "note", "source", "source_date"})


class DemoTextError(ValueError):
    """A file of demo texts names a key or a service the loader does not know."""


def read_tables(path: Path, keys: frozenset[str]) -> dict[str, dict[str, Any]]:
    """Service id → its table; every key must be one of ``keys``. A missing file is empty."""
    if not path.exists():
        return {}
    with path.open("rb") as handle:
        data = tomllib.load(handle)
    unknown_top = sorted(set(data) - {"services"})
    if unknown_top:
        raise DemoTextError(f"{path.name}: unknown tables {', '.join(unknown_top)}")
    tables = data.get("services", {})
    for service_id, table in tables.items():
        unknown = sorted(set(table) - keys)
        if unknown:
            raise DemoTextError(f"{path.name}: service {service_id}: unknown keys {unknown}")
    return tables


def apply_texts(
    services: Iterable[Service],
    english: Path = ENGLISH,
    easy: Path = EASY,
    languages: Path = LANGUAGES,
) -> None:
    """Fill the English fields, the easy-Japanese summary and the language records in place."""
    by_id = {service.id: service for service in services}
    english_tables = read_tables(english, ENGLISH_KEYS)
    easy_tables = read_tables(easy, EASY_KEYS)
    language_tables = read_tables(languages, LANGUAGE_KEYS)
    for path, tables in (
        (english, english_tables),
        (easy, easy_tables),
        (languages, language_tables),
    ):
        missing = sorted(set(tables) - set(by_id))
        if missing:
            raise DemoTextError(f"{path.name}: no service with the ids {missing}")
    for service_id, table in english_tables.items():
        _english(by_id[service_id], table)
    for service_id, table in easy_tables.items():
        by_id[service_id].summary_easy = str(table.get("summary_easy", "")).strip()
    for service_id, table in language_tables.items():
        _languages(by_id[service_id], table, language_names())


def _english(service: Service, table: Mapping[str, Any]) -> None:
    for field in SERVICE_FIELDS_EN:
        setattr(service, field, str(table.get(field, "")).strip())
    name = str(table.get("organization_name_en", "")).strip()
    organization = service.organization
    if name and organization.name_en and organization.name_en != name:
        raise DemoTextError(
            f"services_en.toml: {organization.name} is given two English names:"
            f" {organization.name_en!r} and {name!r}"
        )
    if name:
        organization.name_en = name


def _languages(service: Service, table: Mapping[str, Any], names: Mapping[str, str]) -> None:
    """Records of the table's languages (ISO 639-1, named in Japanese as staff would add them)."""
    codes = list(table.get("codes", []))
    wrong = [code for code in codes if code not in names]
    if wrong or len(set(codes)) != len(codes):
        raise DemoTextError(f"service_languages.toml: {service.name}: codes {codes}")
    have = {language.code for language in service.languages}
    note = str(table.get("note", "")).strip()
    service.languages.extend(
        Language(code=code, name=names[code], note=note) for code in codes if code not in have
    )
