"""The `cards_admin` blueprint and what its pages share: a card design as it will print, the scan
address a code goes to, the card font, and today's date in Japan."""

from __future__ import annotations

from datetime import date, datetime

from flask import Blueprint, current_app

from cards import batches as batch_service
from cards.design import CardDesign
from cards.designs import card_design, profile_design
from cards.models import SavedDesign
from core.db import get_session
from core.timezone import TOKYO
from core.web import current_profile

bp = Blueprint("cards_admin", __name__, url_prefix="/cards")


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


def today() -> date:
    return datetime.now(TOKYO).date()
