"""Stored card designs: defaults from the profile and the directory, validated saves, audit.

A stored design keeps only what differs from the default design (`profile_design`): every other
field follows the municipality profile and the directory's national lines as they change, so a
card printed after the section's number changed carries the new number.
"""

from __future__ import annotations

import re
from dataclasses import asdict, fields, replace
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cards.batches import ensure_standing_batch
from cards.design import MAX_ITEMS, CardDesign, default_design, validate_design
from cards.fonts import GlyphsMissingError
from cards.formats import FORMATS
from cards.layout import CardTextTooLong
from cards.models import DEFAULT_DESIGN, CardBatch, SavedDesign
from cards.render import card_layouts
from core import audit
from core.problems import ProblemsError
from core.profile import Profile
from directory.hours import weekly_table
from directory.models import Service
from directory.queries import home_channels

PAIRS = ("emergency", "national_channels")


class DesignError(ProblemsError):
    """Values refused, by field."""


def card_design(saved: SavedDesign, fallback: CardDesign) -> CardDesign:
    """The printable design of a stored one; fields it lacks come from ``fallback``."""
    known = {f.name for f in fields(CardDesign)} - {"logo_png", "around_the_clock"}
    values: dict[str, Any] = {k: v for k, v in (saved.fields or {}).items() if k in known}
    for name in PAIRS:
        if name in values:
            values[name] = tuple((str(a), str(b)) for a, b in values[name])
    return replace(fallback, **values, logo_png=saved.logo)


def public_card_design(session: Session, design_id: int, fallback: CardDesign) -> CardDesign | None:
    """`card_design` reading only the columns the public role may read."""
    row = session.execute(
        select(SavedDesign.fields, SavedDesign.logo).where(SavedDesign.id == design_id)
    ).first()
    if row is None:
        return None
    return card_design(SavedDesign(fields=row.fields, logo=row.logo), fallback)


def stored_fields(design: CardDesign) -> dict[str, Any]:
    """What `SavedDesign.fields` keeps of a design: everything but the logo, as JSON."""
    values = asdict(design)
    values.pop("logo_png")
    values.pop("around_the_clock")  # follows the directory's hours, never kept
    for name in PAIRS:
        values[name] = [list(pair) for pair in values[name]]
    return values


def overrides(design: CardDesign, default: CardDesign) -> dict[str, Any]:
    """What a stored design keeps of ``design``: its fields that differ from ``default``."""
    base = stored_fields(default)
    return {name: value for name, value in stored_fields(design).items() if value != base[name]}


def _phone_lines(session: Session) -> list[tuple[Service, str]]:
    """The home page's phone lines with their numbers, for the back of a card."""
    lines = []
    for service in home_channels(session).get("phone", []):
        phone = next((c.value for c in service.channels if c.kind == "phone"), None)
        if phone:
            lines.append((service, phone))
    return lines[: MAX_ITEMS["national_channels"]]


def _around_the_clock(service: Service) -> bool:
    # Only a week the directory knows in full, without holiday or year-end closures: a card
    # must never promise an answer at an hour when nobody picks up.
    table = weekly_table(service)
    return (
        len(table) == 7
        and not table.notes
        and all(day.ranges == ["24時間"] and not day.notes for day in table)
    )


def profile_design(session: Session, profile: Profile) -> CardDesign:
    """The default design: the profile's window and numbers, the directory's national lines."""
    lines = _phone_lines(session)
    pairs = [(service.name, phone) for service, phone in lines]
    return default_design(profile, pairs, [p for s, p in lines if _around_the_clock(s)])


def get_design(session: Session, name: str = DEFAULT_DESIGN) -> SavedDesign | None:
    return session.scalar(select(SavedDesign).where(SavedDesign.name == name))


def all_designs(session: Session) -> list[SavedDesign]:
    return list(session.scalars(select(SavedDesign).order_by(SavedDesign.name)))


def save_design(
    session: Session,
    saved: SavedDesign,
    design: CardDesign,
    *,
    default: CardDesign,
    actor: audit.Actor | None,
    network: str | None = None,
    url: str,
    font_path: str | None = None,
) -> None:
    """Store ``design`` in ``saved`` if it is valid; otherwise `DesignError`, nothing changed.

    Only the fields that differ from ``default`` (`profile_design`) are stored. Valid means
    within the limits and printable: every text fits its box on every format, laid out with a
    QR code of ``url``'s length.
    """
    problems = validate_design(design) or fit_problems(design, url, font_path=font_path)
    if problems:
        raise DesignError(problems)
    saved.fields = overrides(design, default)
    saved.logo = design.logo_png
    saved.updated_by = actor.login if actor is not None else ""
    session.flush()
    audit.record(
        session,
        action="cards.design.update",
        actor=actor,
        object_type="card_design",
        object_id=saved.id,
        client_network=network,
    )


def fit_problems(design: CardDesign, url: str, *, font_path: str | None = None) -> dict[str, str]:
    """Texts that would not fit some format even at the smallest size, by field."""
    problems: dict[str, str] = {}
    for name in FORMATS:
        try:
            card_layouts(design, url, name, font_path=font_path or None)
        except CardTextTooLong as exc:
            problems.setdefault(exc.field, str(exc))
        except GlyphsMissingError as exc:  # an emoji, a rare kanji: it would print as a box
            problems.setdefault(exc.field or "message", str(exc))
    return problems


DESIGN_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,31}")


def copy_design(
    session: Session,
    source: SavedDesign,
    name: str,
    *,
    actor: audit.Actor | None,
    network: str | None = None,
) -> SavedDesign:
    """A new design named ``name``, starting as a copy of ``source``."""
    name = name.strip().lower()
    if not DESIGN_NAME.fullmatch(name) or name == "new":
        rule = "名前は半角の英小文字・数字・- _ で、32文字以内にしてください（new は使えません）。"
        raise DesignError({"name": rule})
    if get_design(session, name) is not None:
        raise DesignError({"name": f"「{name}」という名前のデザインはすでにあります。"})
    copy = SavedDesign(
        name=name,
        fields=dict(source.fields or {}),
        logo=source.logo,
        updated_by=actor.login if actor is not None else "",
    )
    session.add(copy)
    session.flush()
    audit.record(
        session,
        action="cards.design.create",
        actor=actor,
        object_type="card_design",
        object_id=copy.id,
        client_network=network,
    )
    return copy


def ensure_card_setup(session: Session, profile: Profile) -> tuple[SavedDesign, CardBatch]:
    """The standard design (following the profile in everything) and the public-download
    batch, created once; designs stored whole by earlier versions keep only their own fields.
    """
    saved = get_design(session)
    if saved is None:
        saved = SavedDesign(name=DEFAULT_DESIGN, fields={}, updated_by="")
        session.add(saved)
        session.flush()
    base = stored_fields(profile_design(session, profile))
    for design in all_designs(session):
        kept = {k: v for k, v in (design.fields or {}).items() if k not in base or v != base[k]}
        if not design.updated_by and kept.get("national_channels") == []:
            del kept["national_channels"]  # stored before the directory was loaded
        if kept != design.fields:
            design.fields = kept
    return saved, ensure_standing_batch(session, saved)
