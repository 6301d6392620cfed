"""The preview of an edit before it is saved: the values signed into a token (so the page saves
exactly what it showed, and the card image is drawn from values nobody can forge), the card as
newly printed cards would look, and whether its texts still fit."""

from __future__ import annotations

from typing import Any

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy.orm import Session

from backoffice.training.vocabulary import KIND_LABELS
from backoffice.web.context import current_actor
from cards import batches as batch_service
from cards.design import CardDesign
from cards.designs import card_design, fit_problems, get_design, profile_design
from core.profile import Profile

SALT = "tsunagu.settings.profile"
PREVIEW_SECONDS = 3600


def file_profile() -> Profile:
    """The profile file's copy: what stands until a profile is stored."""
    return current_app.extensions["tsunagu.profile"]


def production() -> bool:
    return bool(current_app.config["TSUNAGU_SETTINGS"].production)


def kinds_for(profile: Profile) -> tuple[str, ...]:
    """The training kinds on offer: the vocabulary's, and any other the profile file named."""
    known = tuple(KIND_LABELS.values())
    return known + tuple(k for k in profile.training_required_kinds if k not in known)


def sign(raw: dict[str, Any], version: str) -> str:
    return _serializer().dumps({"user": current_actor().id, "version": version, "raw": raw})


def unsign(token: str | None) -> tuple[dict[str, Any], str] | None:
    """The values and version a preview signed for this user, or None (forged, another
    user's, or older than an hour)."""
    try:
        signed = _serializer().loads(token or "", max_age=PREVIEW_SECONDS)
    except BadSignature:
        return None
    if not isinstance(signed, dict) or signed.get("user") != current_actor().id:
        return None
    raw, version = signed.get("raw"), signed.get("version")
    if not isinstance(raw, dict) or not isinstance(version, str):
        return None
    return raw, version


def standard_card(session: Session, profile: Profile) -> CardDesign:
    """The standard card as it prints with ``profile``: what the stored design does not set
    itself follows the profile."""
    fallback = profile_design(session, profile)
    saved = get_design(session)
    return card_design(saved, fallback) if saved is not None else fallback


def card_problems(session: Session, profile: Profile) -> dict[str, str]:
    design = standard_card(session, profile)
    return fit_problems(design, scan_url(), font_path=card_font())


def scan_url() -> str:
    base = current_app.config["TSUNAGU_SETTINGS"].public_base_url
    return batch_service.scan_url(base, "x" * batch_service.CODE_LENGTH)


def card_font() -> str:
    return current_app.config["TSUNAGU_SETTINGS"].card_font_path


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)
