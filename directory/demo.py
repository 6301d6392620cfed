"""Demo directory: every row of the sourced fact sheet, with the home page's channels marked.

The demo goes in the way a user's file does. The fact sheet (``facts``) and its structured hours
(``schedules_demo``) become unsaved records, which the export's own code writes as one HSDS
dataset (``demo_dataset``: scope ``complete``, so the 要確認 flags, confidence, sources, check
notes and home-page groups travel as our ``tsunagu-fields`` attributes); then
``import_dataset`` checks all of it against the HSDS schemas and our rules, and stores it only
if nothing is wrong. The dataset carries no change history, so loading the demo again leaves
the history staff have made alone.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from directory.crisis import load_crisis_terms
from directory.demo_texts import apply_texts
from directory.facts import FACT_SHEET, read_rows, services_from_rows, topic_terms
from directory.hsds.dataset import build_dataset
from directory.hsds.importer import import_dataset
from directory.hsds.vocabulary import Json
from directory.schedules_demo import add_demo_schedules
from directory.search.reindex import reindex
from directory.search.synonyms import load_synonyms

# Which services the home page shows, and under which heading. Chosen for people in crisis:
# 24-hour or long-hours lines, high or medium confidence in the fact sheet.
HOME_GROUPS = {
    "あなたのいばしょチャット相談": "sns",
    "#いのちSOS": "phone",
    "よりそいホットライン": "phone",
    "自殺予防いのちの電話（フリーダイヤル）": "phone",
    "京都いのちの電話": "phone",
    "こころの健康相談統一ダイヤル": "phone",
    "24時間子供SOSダイヤル": "phone",
}

# The lines every page lists at its top while they are open (「いますぐ話したい」): those the
# fact sheet gives as answering people who want to die, for anyone, round the clock or nearly
# (よりそいホットライン, あなたのいばしょ and 京都いのちの電話 24 hours a day; #いのちSOS 24 hours
# on three days, 6:00–24:00 on the others). Lines for one group only (children, DV), lines whose
# hours are only text (いのちの電話, こころの健康相談統一ダイヤル: never shown as open) and the
# city's own window (shown in its own section) are not.
CRISIS_LINES = frozenset(
    {
        "よりそいホットライン",
        "あなたのいばしょチャット相談",
        "#いのちSOS",
        "京都いのちの電話",
    }
)


class DemoDataError(ValueError):
    """The demo data does not pass the import's checks; nothing of it was stored."""


def demo_dataset(*, today: date | None = None) -> Json:
    """The fact sheet with its structured hours, its services' English texts, easy-Japanese
    summaries and languages (`directory.demo_texts`), as ``directory export`` would write it.

    Yearly closed days are expanded from ``today`` (by default, today in Japan).
    """
    services = services_from_rows(read_rows(FACT_SHEET), HOME_GROUPS)
    add_demo_schedules({service.name: service for service in services}, today=today)
    for service in services:
        service.is_crisis_line = service.name in CRISIS_LINES
    apply_texts(services)
    organizations = {service.organization_id: service.organization for service in services}
    return build_dataset(
        sorted(services, key=lambda service: service.id),
        organizations.values(),
        locations=[],
        topics=topic_terms().values(),
    )


def load_demo_directory(session: Session, *, today: date | None = None) -> int:
    """Import the demo dataset, then the search synonyms, crisis words and index; returns how
    many services."""
    report = import_dataset(session, demo_dataset(today=today))
    if not report.ok:
        problems = "\n".join(f"  {problem}" for problem in report.problems)
        raise DemoDataError(f"the demo directory does not pass the import's checks:\n{problems}")
    load_synonyms(session)
    load_crisis_terms(session)
    session.flush()
    reindex(session)
    return report.counts["services"]
