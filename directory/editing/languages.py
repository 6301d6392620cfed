"""The languages a service can be used in (HSDS ``language``): added and removed by staff.

The public search filters on these records (英語で相談できる), not on the free-text note, so a
code must be a known ISO 639-1 code: the two-letter codes the CLDR data shipped with Babel names
in Japanese.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from babel import Locale
from sqlalchemy.orm import Session

from directory.editing.changes import EditError, audit_service_edit, clean, record_change
from directory.models import Language, Service

# The languages most often asked for in the municipality, listed first on the form.
COMMON_LANGUAGES = ("en", "zh", "ko", "vi", "pt", "es", "tl", "ne")


@cache
def language_names() -> dict[str, str]:
    """ISO 639-1 code → the language's name in Japanese (en → 英語), by code."""
    names = Locale("ja").languages
    return {
        code: names[code]
        for code in sorted(names)
        if len(code) == 2 and code.isascii() and code.isalpha() and code.islower()
    }


def add_language(
    session: Session, service: Service, code: str, name: str = "", note: str = "", *,
    editor: Any, network: str | None,
) -> Language:  # fmt: skip
    """A language the service can be used in; its name defaults to the Japanese one."""
    code = clean(code).lower()
    known = language_names()
    if code not in known:
        raise EditError({"code": "言語を一覧から選んでください。"})
    if any(language.code == code for language in service.languages):
        raise EditError({"code": f"{known[code]}（{code}）はすでに登録されています。"})
    language = Language(code=code, name=clean(name) or known[code], note=clean(note))
    service.languages.append(language)
    record_change(
        session, service.id, "service", "update", "languages", "", _summary(language), editor
    )
    audit_service_edit(session, "directory.language.add", service.id, editor, network)
    return language


def remove_language(
    session: Session, service: Service, language_id: int, *, editor: Any, network: str | None
) -> None:
    language = next((x for x in service.languages if x.id == language_id), None)
    if language is None:
        raise EditError({"language": "その言語は見つかりません。"})
    service.languages.remove(language)
    record_change(
        session, service.id, "service", "update", "languages", _summary(language), "", editor
    )
    audit_service_edit(session, "directory.language.remove", service.id, editor, network)


def _summary(language: Language) -> str:
    note = f"（{language.note}）" if language.note else ""
    return f"{language.code}: {language.name}{note}"
