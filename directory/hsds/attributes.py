"""Our own fields as HSDS ``attributes`` of the ``tsunagu-fields`` taxonomy, both ways.

Each value is written as text (``encode``) in an attribute linked to its record, and read back
(``field_values``, ``decode``). A field at its default is left out, unless readers need to see
it (``Field.always``); an absent field is set to its default again when read.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime, time
from typing import Any

from sqlalchemy.orm.attributes import flag_modified

from directory.hsds.rules import aware
from directory.hsds.vocabulary import FIELD_TAXONOMY, Field, Json, Terms, derived_id, term_id


def encode(kind: str, value: Any) -> str:
    if kind == "bool":
        return "true" if value else "false"
    if kind == "time":
        return value.isoformat()
    if kind == "datetime":
        return timestamp(value)
    return str(value)


def timestamp(value: datetime) -> str:
    """UTC with milliseconds, as HSDS asks of ``last_modified``."""
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def attribute(
    link_id: str, entity: str, link_type: str, term: str, key: str, value: str | None = None
) -> Json:
    data = {
        "id": derived_id(link_id, "attribute", key),
        "link_id": link_id,
        "link_entity": entity,
        "link_type": link_type,
        "taxonomy_term_id": term,
    }
    if value is not None:
        data["value"] = value
    return data


def field_attributes(
    record: Any, link_id: str, entity: str, fields: Iterable[Field], internal: bool
) -> list[Json]:
    found = []
    for field in fields:
        if field.internal and not internal:
            continue
        value = getattr(record, field.attr)
        term = term_id(FIELD_TAXONOMY, field.code)
        if field.kind == "list":
            found += [
                attribute(link_id, entity, "extension", term, f"{field.code}/{item}", item)
                for item in sorted(value or [])
            ]
        elif value is not None and (field.always or value != field.default):
            found.append(
                attribute(link_id, entity, "extension", term, field.code, encode(field.kind, value))
            )
    return found


def field_values(item: Json, terms: Terms, link_id: str | None = None) -> dict[str, list[str]]:
    """Our field values on a record (or on one of its channels), by field code."""
    found: dict[str, list[str]] = defaultdict(list)
    for attr in item.get("attributes", []):
        taxonomy, code = terms[attr["taxonomy_term_id"]]
        if taxonomy == FIELD_TAXONOMY and attr["link_id"] == (link_id or item["id"]):
            found[code].append(attr["value"])
    return found


def from_tsunagu(item: Json, terms: Terms) -> bool:
    """Whether a service comes from a Tsunagu export: every one states ``needs_check``.

    Another system's service has no such field; it is stored as a draft, to be checked.
    """
    needs_check = term_id(FIELD_TAXONOMY, "needs_check")
    attributes = item.get("attributes")
    return isinstance(attributes, list) and any(
        isinstance(a, dict) and a.get("taxonomy_term_id") == needs_check
        and needs_check in terms
        for a in attributes
    )  # fmt: skip


def apply_fields(
    record: Any, values: dict[str, list[str]], fields: Iterable[Field], internal: bool = True
) -> None:
    for known in fields:
        if known.internal and not internal:
            continue
        texts = values.get(known.code)
        if known.kind == "list":
            setattr(record, known.attr, sorted(set(texts or [])))
        elif texts:
            setattr(record, known.attr, decode(known.kind, texts[-1]))
            if known.kind == "datetime":
                # Written even when unchanged, so that a column's ``onupdate`` cannot replace it.
                flag_modified(record, known.attr)
        elif known.kind != "datetime":  # absent times keep the database's own
            setattr(record, known.attr, known.default)


def decode(kind: str, text: str) -> Any:
    if kind == "bool":
        return text == "true"
    if kind == "int":
        return int(text)
    if kind == "time":
        return time.fromisoformat(text)
    if kind == "datetime":
        return aware(text).astimezone(UTC)
    return text
