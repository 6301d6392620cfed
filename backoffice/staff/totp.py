"""Time-based one-time codes (RFC 6238) and their enrolment QR code, drawn here as inline SVG."""

from __future__ import annotations

import hmac
from datetime import datetime

import pyotp
from markupsafe import Markup

from core.qr import qr_svg as core_qr_svg

STEP_SECONDS = 30
ISSUER = "Tsunagu"


def new_secret() -> str:
    return pyotp.random_base32()


def current_step(now: datetime) -> int:
    return int(now.timestamp()) // STEP_SECONDS


def matching_step(secret: str, code: str, now: datetime, last_step: int | None) -> int | None:
    """The time step a code belongs to (now, or one step either side), if it was not used yet."""
    code = "".join(code.split())
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    step = current_step(now)
    for candidate in (step - 1, step, step + 1):
        expected = totp.at(candidate * STEP_SECONDS)
        if hmac.compare_digest(expected, code) and (last_step is None or candidate > last_step):
            return candidate
    return None


def code_now(secret: str) -> str:
    return pyotp.TOTP(secret).now()


def provisioning_uri(secret: str, login: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=login, issuer_name=ISSUER)


def qr_svg(uri: str, label: str) -> Markup:
    """The enrolment QR, drawn inline."""
    return core_qr_svg(uri, label)


def grouped(secret: str) -> str:
    """The secret in groups of four, for typing into an app by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
