"""Demo directory: every row of the sourced fact sheet, with the home page's channels marked."""

from __future__ import annotations

from sqlalchemy.orm import Session

from directory.facts import FACT_SHEET, load_fact_sheet, read_rows
from directory.schedules_demo import load_demo_schedules
from directory.search import load_synonyms
from directory.search_index import reindex

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


def load_demo_directory(session: Session) -> int:
    count = load_fact_sheet(session, read_rows(FACT_SHEET), HOME_GROUPS)
    session.flush()
    load_demo_schedules(session)
    load_synonyms(session)
    session.flush()
    reindex(session)
    return count
