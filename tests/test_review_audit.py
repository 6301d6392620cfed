"""A profile replaced from a file is in the audit trail as a back-office edit is: the partner
origins that may frame the help panel and the numbers every page shows change either way."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.audit import AuditEvent
from core.db import get_engine
from tests.test_cli import run

OTHER = (
    'slug = "other"\nname = "テスト市"\nsection = "福祉課"\nphone = "000-000-0000"\n'
    'partner_origins = ["https://partner.example.jp"]\n'
    '[dedicated_window]\nname = "テスト窓口"\nchannel = "LINE"\n'
    '[[emergency]]\nnumber = "119"\nlabel = "救急"\n'
)


def profile_events(app: Flask) -> list[AuditEvent]:
    with app.app_context(), Session(get_engine()) as session:
        query = select(AuditEvent).where(AuditEvent.action.like("settings.profile.%"))
        return list(session.scalars(query))


def test_the_profile_command_is_audited_with_its_file(empty_app: Flask, tmp_path: Path) -> None:
    run(empty_app, "init")
    other = tmp_path / "other.toml"
    other.write_text(OTHER, encoding="utf-8")

    assert run(empty_app, "profile", str(other)).exit_code == 0
    assert run(empty_app, "profile", str(other)).exit_code == 0  # unchanged: nothing to record

    events = profile_events(empty_app)
    assert [(e.action, e.object_type, e.outcome) for e in events] == [
        ("settings.profile.replace", "municipality_profile", "success")
    ]
    assert str(other) in (events[0].reason or "")
