"""A 案内リスト printed as a handout: the same A4 PDF as the public site's printable lists
(`cards.list_pdf`), titled with the list's name, its note line under the title, the crisis
lines and emergency numbers first, the city's contact and dedicated window at every page's foot.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy.orm import Session

from backoffice.service_lists.models import ServiceList
from cards.list_pdf import render_list_pdf
from core.profile import Profile
from directory.printable import (
    JAPANESE_LABELS,
    PrintDocument,
    as_of_japanese,
    chosen_services,
    print_entries,
    service_page_url,
)
from directory.queries import crisis_lines


def handout_document(
    session: Session, service_list: ServiceList, *, profile: Profile, base_url: str, day: date
) -> PrintDocument:
    def url_of(service_id: str) -> str:
        return service_page_url(base_url, service_id)

    services = chosen_services(session, service_list.service_ids)
    return PrintDocument(
        title=service_list.name,
        language="ja",
        as_of=as_of_japanese(day),
        urgent=tuple(print_entries(crisis_lines(session), "ja", url_of)),
        profile=profile,
        entries=tuple(print_entries(services, "ja", url_of)),
        notes=(service_list.note,) if service_list.note else (),
        labels=dict(JAPANESE_LABELS),
        day=day,
    )


def handout_pdf(document: PrintDocument, font_path: str | Path | None = None) -> bytes:
    return render_list_pdf(document, font_path)
