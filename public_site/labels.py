"""Labels for coded values, translated where they are shown (only the one asked for)."""

from __future__ import annotations

from flask import Blueprint
from flask_babel import lazy_gettext as _l

labels = Blueprint("labels", __name__)

CHANNEL_KINDS = {
    "phone": _l("電話"),
    "line": _l("LINE"),
    "chat": _l("チャット"),
    "email": _l("メール"),
    "sns": _l("SNS"),
    "in_person": _l("窓口"),
    "web": _l("ウェブサイト"),
}
COSTS = {"free": _l("無料"), "partly": _l("一部無料"), "paid": _l("通話料などがかかります")}
COST_UNKNOWN = _l("記載なし")
AREAS = {
    "municipality": _l("市内の窓口"),
    "prefecture": _l("府内の窓口"),
    "national": _l("全国の窓口"),
}


@labels.app_template_global()
def channel_kind_label(kind: str) -> str:
    return str(CHANNEL_KINDS.get(kind, kind))


@labels.app_template_global()
def cost_label(cost: str) -> str:
    return str(COSTS.get(cost, COST_UNKNOWN))


@labels.app_template_global()
def area_label(area: str) -> str:
    return str(AREAS.get(area, area))
