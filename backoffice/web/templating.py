"""Template helpers for the back office: permission checks, role names, Tokyo time."""

from __future__ import annotations

from datetime import datetime

from flask import Flask, g

from backoffice.staff.permissions import ROLE_LABELS, permissions_for
from core.db import utcnow
from core.timezone import TOKYO
from directory.textnorm import suggested_reading


def can(permission: str) -> bool:
    user = g.get("staff_user")
    return user is not None and permission in permissions_for(user.roles)


def role_label(role: str) -> str:
    return str(ROLE_LABELS.get(role, role))


def tokyo(moment: datetime | None) -> str:
    return moment.astimezone(TOKYO).strftime("%Y-%m-%d %H:%M") if moment else ""


def reading_hint(name: str | None, kana: str | None, hint: str = "") -> str:
    """A name field's hint, with a reading to check when none is entered yet."""
    suggestion = "" if kana else suggested_reading(name or "")
    if not suggestion:
        return hint
    guess = f"読みの候補:「{suggestion}」（自動で作った読みです。確かめてから入力してください）"
    return f"{hint} {guess}" if hint else guess


def init_templating(app: Flask) -> None:
    app.jinja_env.globals.update(
        can=can, role_label=role_label, now=utcnow, reading_hint=reading_hint
    )
    app.jinja_env.filters["tokyo"] = tokyo
