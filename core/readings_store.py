"""Stored readings: pykakasi's readings of the public texts, computed when they change.

The easy-Japanese pages put readings over the directory's texts and the profile's (service
names, hours notes, the city's name). pykakasi would read them at request time, but it takes
over 100 MB and about a second in each process that loads it. So the processes that change
those texts (the back office, the CLI, the demo loader) read them there, when the search index
is rebuilt for a service (`directory.search.reindex`) or the profile is stored
(`core.profile.store_profile`), and keep each unit's readings (`core.readings.pieces`) in
``text_reading``. The public site loads the table once per content version and looks units up
(`StoredReadings`); it never imports pykakasi. A unit it does not find (a text stored before
its readings were, or cut differently after the override list changed) is shown without
readings and logged once per process; ``flask directory reindex`` stores every unit again.

Only the units missing from the table are computed; a full rebuild (`store_all`) computes every
one and drops those no public text has any more.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field

from markupsafe import Markup
from sqlalchemy import Connection, String, Text, delete, insert, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from core.db import Base
from core.readings import Pair, format_pairs, guess, parse_pairs, units

log = logging.getLogger(__name__)
# Units whose absence was logged; beyond this many, no more are (a log must not grow a process).
MAX_LOGGED = 1024
# Texts a `StoredReadings` keeps annotated (`core.furigana`): the headings and labels of pages.
MAX_ANNOTATED = 8192
BATCH = 500


class TextReading(Base):
    """One unit of a public text and its kanji words' readings ("相談:そうだん 窓口:まどぐち")."""

    __tablename__ = "text_reading"
    __table_args__ = {"info": {"public": "read"}}  # noqa: RUF012

    text: Mapped[str] = mapped_column(Text, primary_key=True)
    readings: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(16))  # directory, profile or site


def text_units(texts: Iterable[str | None]) -> set[str]:
    """Every unit of ``texts`` whose readings are looked up."""
    return {unit for text in texts if text for unit in units(text)}


def store_texts(session: Session, texts: Iterable[str | None], source: str) -> int:
    """Compute and store the readings of the units of ``texts`` not stored yet; returns how
    many were stored. Runs in the caller's transaction."""
    wanted = text_units(texts)
    if not wanted:
        return 0
    stored: set[str] = set()
    ordered = sorted(wanted)
    for start in range(0, len(ordered), BATCH):
        batch = ordered[start : start + BATCH]
        stored.update(session.scalars(select(TextReading.text).where(TextReading.text.in_(batch))))
    return _insert(session, sorted(wanted - stored), source)


def store_all(session: Session, texts_by_source: dict[str, Iterable[str | None]]) -> int:
    """Compute every unit of every public text afresh and keep only those; returns how many."""
    session.execute(delete(TextReading))
    written: set[str] = set()
    for source, texts in texts_by_source.items():
        fresh = sorted(text_units(texts) - written)
        _insert(session, fresh, source)
        written.update(fresh)
    return len(written)


def _insert(session: Session, fresh: list[str], source: str) -> int:
    rows = [
        {"text": unit, "readings": format_pairs(guess(unit)), "source": source} for unit in fresh
    ]
    for start in range(0, len(rows), BATCH):
        session.execute(insert(TextReading), rows[start : start + BATCH])
    return len(rows)


@dataclass(eq=False)
class StoredReadings:
    """The stored readings as a lookup for `core.readings.readings`: a unit's pairs, or None
    (logged once per process). ``annotated`` keeps the texts `core.furigana` made from them."""

    pairs: dict[str, tuple[Pair, ...]]
    annotated: dict[str, Markup] = field(default_factory=dict)
    quiet: bool = False  # nothing could be loaded (the database is down): nothing to log

    def __call__(self, unit: str) -> tuple[Pair, ...] | None:
        found = self.pairs.get(unit)
        if found is None and not self.quiet:
            _log_missing(unit)
        return found

    def keep(self, text: str, html: Markup) -> Markup:
        if len(self.annotated) >= MAX_ANNOTATED:
            self.annotated.clear()
        self.annotated[text] = html
        return html


_logged: set[str] = set()
_logged_lock = threading.Lock()


def _log_missing(unit: str) -> None:
    with _logged_lock:
        if unit in _logged or len(_logged) >= MAX_LOGGED:
            return
        _logged.add(unit)
    log.warning(
        "no stored reading for %r: shown without furigana until `flask directory reindex`", unit
    )


def load_readings(connection: Connection) -> StoredReadings:
    """Every stored unit with its readings: one query."""
    rows = connection.execute(select(TextReading.text, TextReading.readings))
    return StoredReadings({text: parse_pairs(value) for text, value in rows})


NO_READINGS = StoredReadings({}, quiet=True)
