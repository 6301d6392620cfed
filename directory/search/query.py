"""A search as a resident asks it: text and filters, read from request arguments safely."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from directory.models import AREAS, AUDIENCES, CHANNEL_KINDS
from directory.textnorm import strip_controls
from directory.topics import TOPICS

MAX_TEXT = 200
MAX_VALUES = 20
MAX_PAGE = 1000
MAX_PER_PAGE = 50
FILTERS = ("topics", "channels", "areas", "open_now", "free", "anonymous", "languages", "audiences")
FLAGS = ("open_now", "free", "anonymous")
# Every request argument a search reads; links to other pages of a search keep these only (a
# tracking parameter such as fbclid on the way in is not passed on).
PARAMETERS = ("q", "text", *FILTERS, "page", "per_page")
_TRUE = frozenset({"1", "true", "on", "yes"})
_LANGUAGE = re.compile(r"^[a-z]{2,3}$")


@dataclass(frozen=True)
class SearchQuery:
    text: str = ""
    topics: tuple[str, ...] = ()  # taxonomy term codes
    channels: tuple[str, ...] = ()  # contact channel kinds
    areas: tuple[str, ...] = ()  # municipality / prefecture / national, or a district
    open_now: bool = False
    free: bool = False
    anonymous: bool = False
    languages: tuple[str, ...] = ()  # ISO 639 codes
    audiences: tuple[str, ...] = ()
    page: int = 1
    per_page: int = 20
    # The page's language when not Japanese: the national lines that speak it come first
    # (`directory.search.leading`). Set by the page, never from the arguments.
    first_languages: tuple[str, ...] = ()
    # A crisis search (`directory.crisis`): the lines open now come first, whatever tier the
    # words put them in. Set by the page, never from the arguments.
    open_first: bool = False

    @classmethod
    def from_args(
        cls,
        args: Mapping[str, Any],
        *,
        topic_codes: Iterable[str] | None = None,
        districts: Iterable[str] = (),
        page_language: str = "ja",
    ) -> SearchQuery:
        """A query from request arguments (``q`` or ``text``, then the field names).

        Never raises: unknown codes are dropped, text is cleaned and cut to 200 characters,
        numbers are clamped. Several values come as repeated keys or comma-separated. An area
        may also be one of the municipality's ``districts`` (峰山町...). ``page_language``: the
        language of the page asking (``ja`` by default), which puts the lines in it first.
        """
        known_topics = frozenset(
            (topic.slug for topic in TOPICS) if topic_codes is None else topic_codes
        )
        raw = _text(args, "q") or _text(args, "text")
        return cls(
            text=strip_controls(raw)[:MAX_TEXT].strip(),
            topics=_known(_values(args, "topics"), known_topics),
            channels=_known(_values(args, "channels"), CHANNEL_KINDS),
            areas=_known(_values(args, "areas"), (*AREAS, *districts)),
            open_now=_flag(args, "open_now"),
            free=_flag(args, "free"),
            anonymous=_flag(args, "anonymous"),
            languages=tuple(
                dict.fromkeys(v for v in _values(args, "languages") if _LANGUAGE.match(v))
            )[:MAX_VALUES],
            audiences=_known(_values(args, "audiences"), AUDIENCES),
            page=_number(args, "page", 1, 1, MAX_PAGE),
            per_page=_number(args, "per_page", 20, 1, MAX_PER_PAGE),
            first_languages=(
                (page_language,) if page_language != "ja" and _LANGUAGE.match(page_language) else ()
            ),
        )

    @property
    def filters(self) -> list[str]:
        """The names of the filters that are set."""
        return [name for name in FILTERS if getattr(self, name)]


def _raw(args: Mapping[str, Any], key: str) -> list[Any]:
    if hasattr(args, "getlist"):
        return list(args.getlist(key))
    value = args.get(key)
    return list(value) if isinstance(value, (list, tuple)) else [value]


def _text(args: Mapping[str, Any], key: str) -> str:
    first = next((item for item in _raw(args, key) if isinstance(item, str)), "")
    return first[: MAX_TEXT * 4]


def _values(args: Mapping[str, Any], key: str) -> list[str]:
    raw = _raw(args, key)
    values = []
    for item in raw[:MAX_VALUES]:
        if isinstance(item, str):
            values += [part.strip().lower() for part in item[:1000].split(",") if part.strip()]
    return values


def _known(values: list[str], known: Iterable[str]) -> tuple[str, ...]:
    allowed = frozenset(known)
    return tuple(dict.fromkeys(v for v in values if v in allowed))[:MAX_VALUES]


def _flag(args: Mapping[str, Any], key: str) -> bool:
    values = _values(args, key)
    return bool(values) and values[0] in _TRUE


def _number(args: Mapping[str, Any], key: str, default: int, low: int, high: int) -> int:
    values = _values(args, key)
    try:
        number = int(values[0][:10]) if values else default
    except ValueError:
        number = default
    return min(max(number, low), high)
