"""Labels for coded values, translated where they are shown (only the one asked for).

Each label is translated once per language and process (`_label`): a search page shows some
twenty of them, and Flask-Babel's lazy strings look the request's translations up every time.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from flask import Blueprint
from flask_babel import LazyString, format_date, get_locale
from flask_babel import lazy_gettext as _l

from directory.official import OfficialSource, WithSources, official_source
from public_site.localization import furigana

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


_translated: dict[tuple[str, int, str], str] = {}


def _label(texts: Mapping[str, LazyString], code: str, default: LazyString | str) -> str:
    """``texts[code]`` (else ``default``) in the page's language, translated once per process,
    with furigana on easy-Japanese pages (`public_site.localization.furigana`)."""
    found = texts.get(code)
    if found is None:
        return furigana(str(default))
    key = (str(get_locale()), id(texts), code)  # the tables are this module's, kept for good
    text = _translated.get(key)
    if text is None:
        text = _translated[key] = furigana(str(found))
    return text


@labels.app_template_global()
def channel_kind_label(kind: str) -> str:
    return _label(CHANNEL_KINDS, kind, kind)


@labels.app_template_global()
def cost_label(cost: str) -> str:
    return _label(COSTS, cost, COST_UNKNOWN)


@labels.app_template_global()
def area_label(area: str) -> str:
    return _label(AREAS, area, area)


@labels.app_template_global()
def long_date(day: date) -> str:
    """A date as residents read it: 2026年1月5日, January 5, 2026."""
    return furigana(format_date(day, "long"))


@labels.app_template_global()
def official_link(service: WithSources) -> OfficialSource | None:
    """The one source a service page links to: the organisation's or a government page."""
    return official_source(service)


@labels.app_template_global()
def language_label(code: str) -> str:
    """A language's name in the page's language (CLDR data shipped with Babel): en → 英語."""
    return furigana(str(get_locale().languages.get(code, code)))


AUDIENCE_LABELS = {
    "youth": _l("子ども・若者"),
    "women": _l("女性"),
    "elderly": _l("高齢の方"),
    "foreign-residents": _l("外国にルーツのある方"),
}
FILTER_LABELS = {
    "text": _l("ことば"),
    "topic": _l("悩みの分野"),
    "topics": _l("悩みの分野"),
    "channel": _l("相談の方法"),
    "channels": _l("相談の方法"),
    "area": _l("地域"),
    "areas": _l("地域"),
    "open_now": _l("いま受付中"),
    "free": _l("無料"),
    "anonymous": _l("名前を言わずに相談できる"),
    "language": _l("言語"),
    "languages": _l("言語"),
    "audience": _l("だれのための窓口か"),
    "audiences": _l("だれのための窓口か"),
}


@labels.app_template_global()
def audience_label(audience: str) -> str:
    return _label(AUDIENCE_LABELS, audience, audience)


@labels.app_template_global()
def filter_label(name: str) -> str:
    return _label(FILTER_LABELS, name, name)
