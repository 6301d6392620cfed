"""Template helpers for the back office: permission checks, role names, Tokyo time."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Flask, g

from backoffice.forms import ROLE_LABELS
from backoffice.permissions import permissions_for
from core.db import utcnow

TOKYO = ZoneInfo("Asia/Tokyo")


def can(permission: str) -> bool:
    user = g.get("staff_user")
    return user is not None and permission in permissions_for(user.roles)


def role_label(role: str) -> str:
    return str(ROLE_LABELS.get(role, role))


def tokyo(moment: datetime | None) -> str:
    return moment.astimezone(TOKYO).strftime("%Y-%m-%d %H:%M") if moment else ""


def init_templating(app: Flask) -> None:
    app.jinja_env.globals.update(can=can, role_label=role_label, now=utcnow)
    app.jinja_env.filters["tokyo"] = tokyo
