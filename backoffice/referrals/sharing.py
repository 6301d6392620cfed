"""What each part of the consent lets the city store: a part the person did not agree to share
is not stored at all, at intake or by any later edit, until the consent is extended.

The rule is the same for every part: a value typed into a field the consent does not cover is
refused, with the fields named, and nothing is stored. Dropping it silently would leave the
liaison believing the city has what it has not. What the handoff itself needs (the field of the
problem, the risk and whether it is urgent) is part of the consent to hand off, not of a box.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from backoffice.referrals.fields import FIELD_LABELS, PART_FIELDS

NOT_CONSENTED = (
    "ご本人が共有に同意していない項目は入力できません：{fields}。"
    "入力を消すか、同意の範囲を確かめてください。"
)
FIELD_NOT_CONSENTED = "ご本人が共有に同意していないため、入力できません。"
WITHDRAWN = "同意が撤回されているため、新しい情報は入力できません（消すことはできます）。"


def shared_parts(consent: Any) -> frozenset[str]:
    """The parts ``consent`` (a Consent or an Intake) covers."""
    return frozenset(part for part in PART_FIELDS if getattr(consent, part, False))


def unshared_fields(parts: frozenset[str]) -> dict[str, Any]:
    """The fields outside ``parts``, each with its empty value."""
    return {
        name: empty
        for part, fields in PART_FIELDS.items()
        if part not in parts
        for name, empty in fields.items()
    }


def is_empty(value: Any, empty: Any) -> bool:
    if isinstance(value, str):
        return value.strip() == empty
    return value in (empty, None)


def sharing_problems(values: Mapping[str, Any], parts: frozenset[str]) -> dict[str, str]:
    """A problem by each field that holds a value the consent does not cover, and one summary
    sentence by the part's box that names them all; empty when nothing is outside the consent."""
    problems: dict[str, str] = {}
    for part, fields in PART_FIELDS.items():
        if part in parts:
            continue
        typed = [n for n, empty in fields.items() if n in values and not is_empty(values[n], empty)]
        if typed:
            problems |= dict.fromkeys(typed, FIELD_NOT_CONSENTED)
            names = "、".join(FIELD_LABELS[n] for n in typed)
            problems[part] = NOT_CONSENTED.format(fields=names)
    return problems


def withdrawn_problems(current: Any, values: Mapping[str, Any]) -> dict[str, str]:
    """After the consent is withdrawn nothing new is stored: a field may be cleared, not filled
    or changed. ``current`` is the case as stored, ``values`` the edit."""
    problems = {}
    for fields in PART_FIELDS.values():
        for name, empty in fields.items():
            if name not in values or is_empty(values[name], empty):
                continue
            new = values[name].strip() if isinstance(values[name], str) else values[name]
            old = getattr(current, name)
            if new != (empty if old is None else old):
                problems[name] = WITHDRAWN
    return problems
