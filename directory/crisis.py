"""Crisis words: a search that tells of wanting to die puts the lines open now first, gently.

The words are data (`crisis_term`), seeded from ``directory/data/crisis_terms.toml`` and
extended by staff. A query holds one when its matching key (`directory.textnorm.normalize`:
width, kana, case, no spaces or symbols) contains the word's key, so 「シニタイ」 and
「死にたい…」 both count. Words about the wish only, never about means (safe-messaging guidance).
"""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from dataclasses import replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import audit
from directory.editing.changes import EditError, clean, record_change
from directory.models import CrisisTerm
from directory.search.query import SearchQuery
from directory.textnorm import normalize

CRISIS_TERMS_FILE = Path(__file__).resolve().parent / "data" / "crisis_terms.toml"
MAX_TERM_LENGTH = 30
MIN_KEY_LENGTH = 2  # one character would match nearly every query
MAX_QUERY = 200  # characters of a query that are checked, as search reads them
# What a crisis search finds when its own words find no service (死ぬ方法, リストカット, "how to
# die"): what a search for the wish itself finds, the lines to talk to first, never a page
# saying nothing was found.
WISH = "死にたい"
_TERMS = select(CrisisTerm.term).order_by(CrisisTerm.id)


def load_crisis_terms(session: Session, path: Path = CRISIS_TERMS_FILE) -> int:
    """Add the words of ``path`` that the table lacks (by key); returns how many were added."""
    with path.open("rb") as handle:
        terms = tomllib.load(handle).get("terms", [])
    present = {normalize(term) for term in session.scalars(_TERMS)}
    added = 0
    for term in terms:
        key = normalize(term)
        if len(key) >= MIN_KEY_LENGTH and key not in present:
            session.add(CrisisTerm(term=term[:MAX_TERM_LENGTH]))
            present.add(key)
            added += 1
    session.flush()
    return added


def setup_crisis_terms(session: Session, profile: object) -> str:
    """`tsunagu init` step: the crisis words of the data file that the table lacks."""
    added = load_crisis_terms(session)
    return f"crisis words: {added} added" if added else "crisis words: up to date"


def crisis_terms(session: Session) -> Sequence[CrisisTerm]:
    return session.scalars(select(CrisisTerm).order_by(CrisisTerm.id)).all()


def crisis_keys(session: Session) -> tuple[str, ...]:
    """The matching keys of every crisis word (read per call, worked out once while they stay)."""
    return _keys(tuple(session.scalars(_TERMS)))


@lru_cache(maxsize=8)
def _keys(terms: tuple[str, ...]) -> tuple[str, ...]:
    keys = (normalize(term) for term in terms)
    return tuple(dict.fromkeys(key for key in keys if len(key) >= MIN_KEY_LENGTH))


def holds_crisis_word(text: str, keys: Sequence[str]) -> bool:
    """Whether ``text`` holds one of ``keys`` once normalised as search normalises it."""
    key = normalize(text[:MAX_QUERY]) if text else ""
    return bool(key) and any(k in key for k in keys)


def is_crisis_query(session: Session, text: str) -> bool:
    return bool(text.strip()) and holds_crisis_word(text, crisis_keys(session))


def wish_query(query: SearchQuery) -> SearchQuery:
    """The same search (filters, page) for the wish itself: for a crisis search whose words
    found nothing."""
    return replace(query, text=WISH)


def add_crisis_term(
    session: Session, text: str, note: str, *, editor: Any, network: str | None
) -> CrisisTerm:
    """One more word that tells of wanting to die or disappear (e.g. 消えてしまいたい)."""
    term = clean(text)
    key = normalize(term)
    if len(key) < MIN_KEY_LENGTH or len(term) > MAX_TERM_LENGTH:
        raise EditError({"term": f"言葉は2文字から{MAX_TERM_LENGTH}文字までで入力してください。"})
    if key in crisis_keys(session):
        raise EditError({"term": "その言葉はすでに登録されています。"})
    entry = CrisisTerm(term=term, note=clean(note)[:500])
    session.add(entry)
    session.flush()
    record_change(session, str(entry.id), "crisis_term", "create", "term", "", term, editor)
    audit.record(
        session, action="directory.crisis_term.add",
        actor=editor if hasattr(editor, "id") else None,
        object_type="crisis_term", object_id=str(entry.id), client_network=network,
    )  # fmt: skip
    return entry


def remove_crisis_term(session: Session, term_id: int, *, editor: Any, network: str | None) -> None:
    entry = session.get(CrisisTerm, term_id)
    if entry is None:
        raise EditError({"term": "その言葉は見つかりません。"})
    record_change(session, str(entry.id), "crisis_term", "delete", "term", entry.term, "", editor)
    session.delete(entry)
    audit.record(
        session, action="directory.crisis_term.remove",
        actor=editor if hasattr(editor, "id") else None,
        object_type="crisis_term", object_id=str(term_id), client_network=network,
    )  # fmt: skip
