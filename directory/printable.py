"""Lists of services made for paper: a search's or a topic's results, or services staff chose.

A printed list is read at a counter or left on a kitchen table for weeks, so it says nothing
that is true only now ("open now"): each service's regular week in a line or two, its closures
and its hours note, its ways to reach it as text, and the address of its page (for a QR code).
What the page and the PDF (`cards.list_pdf`) show is built here, without Flask: the public site
and the back office print the same thing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime

from sqlalchemy.orm import Session

from core.profile import Profile
from directory.hours import WEEKDAYS, WEEKDAYS_EN, weekly_table
from directory.labels import CHANNEL_KIND_LABELS
from directory.search.loading import load_services
from directory.search.query import MAX_PER_PAGE, SearchQuery
from directory.search.results import search_services
from directory.search.summaries import ServiceSummary

MAX_PRINTED = 100  # two pages of search results at most; a longer list is not read on paper
EASY = "easy"
ENGLISH = "en"


@dataclass(frozen=True)
class PrintedList:
    """The services to print, in the search's order, and how many the search found."""

    services: list[ServiceSummary]
    total: int

    @property
    def capped(self) -> bool:
        return self.total > len(self.services)


def searched_services(
    session: Session, query: SearchQuery, *, now: datetime, limit: int = MAX_PRINTED
) -> PrintedList:
    """Every result of ``query`` (its filters and ordering), page after page, up to ``limit``.

    ``now`` ranks as the search page does (lines open now first), so the list is the one the
    person just saw; the page number asked for is ignored: the list starts at the first result.
    """
    per_page = min(MAX_PER_PAGE, limit)
    found: list[ServiceSummary] = []
    total, number = 0, 1
    while len(found) < limit:
        result = search_services(session, replace(query, page=number, per_page=per_page), now=now)
        total = result.total
        found += [s for s in result.items if s.id not in {f.id for f in found}]
        if number >= result.pages or not result.items:
            break
        number += 1
    return PrintedList(found[:limit], max(total, len(found)))


def chosen_services(session: Session, ids: Sequence[str]) -> list[ServiceSummary]:
    """The published services among ``ids``, in that order (one no longer published is left
    out: a handout never names a service residents cannot find)."""
    return load_services(session, list(dict.fromkeys(ids)))


def text_in(item: object, field: str, language: str) -> str:
    """A directory text for paper: the field written in ``language`` where staff wrote one
    (``name_en``...), else the Japanese (easy pages take the Japanese: readings are for
    screens)."""
    japanese = str(getattr(item, field, "") or "")
    if language in (ENGLISH,):
        return str(getattr(item, f"{field}_{language}", "") or "") or japanese
    return japanese


def week_lines(service: ServiceSummary, language: str) -> tuple[str, ...]:
    """The regular week in as few lines as it takes: days alike are joined ("月〜金
    9:00–17:00", "Mon–Fri 9:00–17:00"), then the closures ("祝日は休み"). Empty when the hours
    are not known (the hours note, if any, says them)."""
    week = weekly_table(service)
    if not week:
        return ()
    english = language == ENGLISH
    names = WEEKDAYS_EN if english else WEEKDAYS
    texts = [day.text_en if english else day.text for day in week]
    lines = []
    for first, last in _runs(texts):
        if first == 0 and last == 6:
            days = "Every day" if english else "毎日"
        elif first == last:
            days = names[first]
        else:
            joiner = ("–" if english else "〜") if last - first > 1 else ("/" if english else "・")
            days = f"{names[first]}{joiner}{names[last]}"
        lines.append(f"{days} {texts[first]}")
    notes = week.notes_en if english else week.notes
    return (*lines, *notes)


def _runs(texts: list[str]) -> list[tuple[int, int]]:
    """Runs of neighbouring days with the same text, as (first, last) weekday numbers."""
    runs: list[tuple[int, int]] = []
    for number, text in enumerate(texts):
        if runs and texts[runs[-1][1]] == text and runs[-1][1] == number - 1:
            runs[-1] = (runs[-1][0], number)
        else:
            runs.append((number, number))
    return runs


@dataclass(frozen=True)
class PrintEntry:
    """One service as printed: its summary, its week in the page's language, its page's
    address (absolute: the QR code leads there)."""

    service: ServiceSummary
    week: tuple[str, ...]
    url: str


def print_entries(
    services: Sequence[ServiceSummary], language: str, url_of: Callable[[str], str]
) -> list[PrintEntry]:
    return [PrintEntry(s, week_lines(s, language), url_of(s.id)) for s in services]


@dataclass(frozen=True)
class PrintDocument:
    """Everything a printed list shows, as plain text in one language (`cards.list_pdf`).

    ``labels``: the words around the data, given by the caller in the page's language
    ("as_of" "emergency" "urgent" "hours" "contact" "qr", and each channel kind by its code).
    """

    title: str
    language: str
    as_of: str  # 2026年5月1日時点
    urgent: tuple[PrintEntry, ...]  # the crisis lines, at the top
    profile: Profile
    entries: tuple[PrintEntry, ...]
    notes: tuple[str, ...]  # under the title: a capped list, a handout's note line
    labels: dict[str, str]
    day: date | None = None


# The words around a list's data on the back office's handouts (Japanese only, as the back
# office is); the public site gives the same words from its catalogue in the page's language.
JAPANESE_LABELS = {
    "urgent": "いますぐ話したい",
    "emergency": "いま、命の危険が迫っているとき",
    "hours": "受付時間:",
    "contact": "お問い合わせ",
    "qr": "QRコードを読み取ると、その相談先のページが開きます。",
} | {f"kind:{kind}": label for kind, label in CHANNEL_KIND_LABELS.items()}


def as_of_japanese(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日時点"


def service_page_url(base_url: str, service_id: str) -> str:
    """A service's page on the public site (its Japanese address), for a QR code."""
    return f"{base_url.rstrip('/')}/directory/services/{service_id}"
