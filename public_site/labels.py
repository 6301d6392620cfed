"""Labels for coded values, translated where they are shown."""

from __future__ import annotations

from flask import Blueprint
from flask_babel import gettext as _

labels = Blueprint("labels", __name__)


@labels.app_template_global()
def channel_kind_label(kind: str) -> str:
    return {
        "phone": _("電話"),
        "line": _("LINE"),
        "chat": _("チャット"),
        "email": _("メール"),
        "sns": _("SNS"),
        "in_person": _("窓口"),
        "web": _("ウェブサイト"),
    }.get(kind, kind)


@labels.app_template_global()
def cost_label(cost: str) -> str:
    return {
        "free": _("無料"),
        "partly": _("一部無料"),
        "paid": _("通話料などがかかります"),
    }.get(cost, _("記載なし"))


@labels.app_template_global()
def area_label(area: str) -> str:
    return {
        "municipality": _("市内の窓口"),
        "prefecture": _("府内の窓口"),
        "national": _("全国の窓口"),
    }.get(area, area)
