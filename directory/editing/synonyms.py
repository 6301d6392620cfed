"""Search synonyms staff maintain: groups of words search treats as one (e.g. 借金, ローン)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import audit
from directory.editing.changes import EditError, clean, record_change
from directory.models import SearchSynonym
from directory.search.synonym_tokens import refresh_synonym_tokens

MAX_SYNONYMS = 20
MAX_SYNONYM_LENGTH = 30


def synonym_groups(session: Session) -> Sequence[SearchSynonym]:
    return session.scalars(select(SearchSynonym).order_by(SearchSynonym.id)).all()


def add_synonym_group(
    session: Session, text: str, note: str, *, editor: Any, network: str | None
) -> SearchSynonym:
    """Words separated by commas or spaces that search should treat as one (e.g. 借金, ローン)."""
    terms = list(dict.fromkeys(t for t in re.split(r"[,、，\s]+", clean(text)) if t))
    if len(terms) < 2:
        raise EditError(
            {"terms": "同じ意味として扱う言葉を二つ以上、読点（、）で区切って入力してください。"}
        )
    if len(terms) > MAX_SYNONYMS or any(len(t) > MAX_SYNONYM_LENGTH for t in terms):
        raise EditError(
            {"terms": f"言葉は{MAX_SYNONYMS}個まで、一つ{MAX_SYNONYM_LENGTH}文字までです。"}
        )
    group = SearchSynonym(terms=terms, note=clean(note)[:500])
    session.add(group)
    session.flush()
    refresh_synonym_tokens(session, [group.id])  # the services holding its words get its token
    record_change(
        session, str(group.id), "synonym", "create", "terms", "", "、".join(terms), editor
    )
    audit.record(
        session, action="directory.synonym.add", actor=editor if hasattr(editor, "id") else None,
        object_type="search_synonym", object_id=str(group.id), client_network=network,
    )  # fmt: skip
    return group


def remove_synonym_group(
    session: Session, group_id: int, *, editor: Any, network: str | None
) -> None:
    group = session.get(SearchSynonym, group_id)
    if group is None:
        raise EditError({"terms": "その言葉のまとまりは見つかりません。"})
    record_change(
        session, str(group.id), "synonym", "delete", "terms", "、".join(group.terms), "", editor
    )
    session.delete(group)
    refresh_synonym_tokens(session, [group_id])
    audit.record(
        session, action="directory.synonym.remove", actor=editor if hasattr(editor, "id") else None,
        object_type="search_synonym", object_id=str(group_id), client_network=network,
    )  # fmt: skip
