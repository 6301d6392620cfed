"""The `cards_admin` blueprint and what its pages share: one loader per record (a design, a
batch), who acts, a card design as it will print, the scan address a code goes to and the
card font."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app

from backoffice.web.context import current_actor
from cards import batches as batch_service
from cards.design import CardDesign
from cards.designs import all_designs, card_design, get_design, profile_design
from cards.models import CardBatch, SavedDesign
from core.db import get_session
from core.web import current_profile

bp = Blueprint("cards_admin", __name__, url_prefix="/cards")


def load_design(name: str) -> SavedDesign:
    saved = get_design(get_session(), name)
    if saved is None:
        abort(404)
    return saved


def load_batch(batch_id: int) -> CardBatch:
    batch = get_session().get(CardBatch, batch_id)
    if batch is None:
        abort(404)
    return batch


def design_choices() -> list[tuple[str, str]]:
    """Every stored design, for a form's list."""
    return [(d.name, d.name) for d in all_designs(get_session())]


def chosen_design(name: str | None) -> SavedDesign:
    """The design a form's list sent; 400 if none has that name (the list offers only them)."""
    saved = get_design(get_session(), name or "")
    if saved is None:
        abort(400)
    return saved


def as_actor() -> dict[str, Any]:
    """Who the cards' services record as acting: the signed-in member of staff, from their
    network (``actor=..., network=...``)."""
    actor = current_actor()
    return {"actor": actor.user, "network": actor.network}


def default_design() -> CardDesign:
    """What a design follows where it has no value of its own: the profile, the directory."""
    return profile_design(get_session(), current_profile())


def design_of(saved: SavedDesign) -> CardDesign:
    return card_design(saved, default_design())


def scan_url(code: str) -> str:
    base = current_app.config["TSUNAGU_SETTINGS"].public_base_url
    return batch_service.scan_url(base, code)


def card_font() -> str:
    return current_app.config["TSUNAGU_SETTINGS"].card_font_path
