"""The one source a resident is shown for a service: the organisation's own page or a
government page, never a newspaper, blog or aggregator.

A service's ``source_url`` lists every source the facts came from (" | " between them) and
``source_date`` says when each was dated ("; " between them). What counts as official is decided
from that data, by these rules, in this order (see decision 0003):

1. the service's own ``url``, which staff enter as the organisation's page;
2. a source the sheet itself calls the operator's own ("公式" in its date): the date parts
   describe the sources in order when there are as many parts as sources, and a single part
   describes them all;
3. a government page: a host under ``go.jp`` or ``lg.jp``, or a prefecture's, city's, town's or
   village's own domain (``pref.kyoto.jp``, ``city.muko.kyoto.jp``, ``town.seika.kyoto.jp``);
   national (``go.jp``) before local.

Anything else (news sites, blogs, mirrors, aggregators, ``note.com``) is never shown.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Protocol
from urllib.parse import urlsplit

GOVERNMENT_HOST = re.compile(
    r"(?:^|\.)(?:go\.jp|lg\.jp|(?:pref|city|town|vill)\.[a-z-]+\.(?:[a-z-]+\.)?jp)$"
)
NATIONAL_HOST = re.compile(r"(?:^|\.)go\.jp$")
OWN = "公式"
FULL_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
# Who publishes a government host, for the link's text (as the sheet's source dates name them);
# any other host reads 国の機関 or 自治体.
PUBLISHERS = {
    "www.mext.go.jp": ("文部科学省", "Ministry of Education (MEXT)"),
    "www.gov-online.go.jp": ("政府広報オンライン", "Government of Japan"),
    "www.gender.go.jp": ("内閣府 男女共同参画局", "Gender Equality Bureau, Cabinet Office"),
    "www.npa.go.jp": ("警察庁", "National Police Agency"),
    "anata-no-mikata.mhlw.go.jp": ("厚生労働省", "Ministry of Health, Labour and Welfare"),
    "www.pref.kyoto.jp": ("京都府", "Kyoto Prefecture"),
    "www.city.kyotango.lg.jp": ("京丹後市", "Kyotango City"),
    "www.city.kyoto.lg.jp": ("京都市", "Kyoto City"),
    "www.city.kakogawa.lg.jp": ("加古川市", "Kakogawa City"),
    "www.city.gojo.lg.jp": ("五條市", "Gojo City"),
    "www.city.mito.lg.jp": ("水戸市", "Mito City"),
    "www.city.kashiba.lg.jp": ("香芝市", "Kashiba City"),
    "www.city.muko.kyoto.jp": ("向日市", "Muko City"),
    "www.town.seika.kyoto.jp": ("精華町", "Seika Town"),
    "www.pref.okinawa.jp": ("沖縄県", "Okinawa Prefecture"),
    "www.wakapota.metro.tokyo.lg.jp": ("東京都", "Tokyo Metropolitan Government"),
    "www.restanet-tokyo.metro.tokyo.lg.jp": ("東京都", "Tokyo Metropolitan Government"),
}
NATIONAL_FALLBACK = ("国の機関", "a government agency")
LOCAL_FALLBACK = ("自治体", "a local government")


class WithSources(Protocol):
    @property
    def url(self) -> str: ...
    @property
    def source_url(self) -> str: ...
    @property
    def source_date(self) -> str: ...


@dataclass(frozen=True)
class OfficialSource:
    url: str
    publisher: str  # Japanese; empty: the organisation's own page
    publisher_en: str
    published: date | None  # the source's own date, when the sheet gives a full one


def official_source(service: WithSources) -> OfficialSource | None:
    if (service.url or "").startswith("https://"):
        return OfficialSource(service.url, "", "", None)
    urls = [u.strip() for u in (service.source_url or "").split(" | ") if _is_web(u.strip())]
    parts = [p.strip() for p in (service.source_date or "").split(";")]
    described = dict(zip(urls, parts, strict=False)) if len(parts) == len(urls) else {}
    if len(parts) == 1:
        described = dict.fromkeys(urls, parts[0])
    ranked = sorted(
        (rank, order, url)
        for order, url in enumerate(urls)
        if (rank := _rank(url, described.get(url, ""))) is not None
    )
    if not ranked:
        return None
    url = ranked[0][2]
    part = described.get(url, "")
    publisher = ("", "") if OWN in part else _publisher(_host(url))
    return OfficialSource(url, *publisher, _full_date(part))


def _rank(url: str, part: str) -> int | None:
    if OWN in part:
        return 0
    host = _host(url)
    if NATIONAL_HOST.search(host):
        return 1
    if GOVERNMENT_HOST.search(host):
        return 2
    return None


def _publisher(host: str) -> tuple[str, str]:
    if host in PUBLISHERS:
        return PUBLISHERS[host]
    return NATIONAL_FALLBACK if NATIONAL_HOST.search(host) else LOCAL_FALLBACK


def _host(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


def _is_web(url: str) -> bool:
    return url.startswith(("https://", "http://")) and bool(_host(url))


def _full_date(part: str) -> date | None:
    match = FULL_DATE.search(part)
    if not match:
        return None
    try:
        return date(*(int(group) for group in match.groups()))
    except ValueError:
        return None
