"""`directory import --lenient` of schedules a hostile or careless exporter writes: dates that
are not dates (null among them, as many exporters write an empty field), days that are not
text, hours that move past the calendar's first or last day. Each is imported with a note or
refused with the import's own message, never a traceback, and a refused file changes nothing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from directory.hsds.lenient_values import Notes, japan_time
from tests.test_hsds_examples import EXAMPLES, run, snapshot

ROW = "00000000-0000-4000-8000-0000000000aa"
HOSTILE = {
    "valid_to null": {"valid_from": "2026-08-13", "valid_to": None, "opens_at": "09:00",
                      "closes_at": "12:00"},
    "valid_to a number": {"valid_from": "2026-08-13", "valid_to": 5, "opens_at": "09:00",
                          "closes_at": "12:00"},
    "valid_from a list": {"freq": "WEEKLY", "byday": "MO", "valid_from": [1],
                          "opens_at": "09:00", "closes_at": "12:00"},
    "valid_to not a date": {"valid_from": "2026-08-13", "valid_to": "zzzz", "opens_at": "23:00",
                            "closes_at": "23:30", "timezone": -5},
    "a date in year 9000": {"valid_from": "9000-01-01", "opens_at": "09:00",
                            "closes_at": "12:00"},
    "byday a number": {"valid_from": "2026-08-13", "byday": 5, "opens_at": "23:00",
                       "closes_at": "23:30", "timezone": -5},
    "before the first day": {"valid_from": "0001-01-01", "opens_at": "01:00",
                             "closes_at": "02:00", "timezone": 14},
    "after the last day": {"valid_from": "9999-12-31", "valid_to": "9999-12-31",
                           "opens_at": "23:00", "closes_at": "23:30", "timezone": -5},
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_a_hostile_schedule_row_is_converted_or_noted(name: str) -> None:
    notes = Notes()

    kept = japan_time(notes, "service x", "schedules[0]", {"id": ROW, **HOSTILE[name]})

    assert kept["id"] == ROW
    for key in ("valid_from", "valid_to"):
        assert key not in kept or isinstance(kept[key], str)
    assert "byday" not in kept or isinstance(kept["byday"], str)
    assert notes.items or name in ("a date in year 9000", "valid_to null")


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_a_hostile_schedule_is_imported_or_refused_with_a_message(
    session: Session, backoffice_app: Flask, tmp_path: Path, name: str
) -> None:
    data: dict[str, Any] = json.loads((EXAMPLES / "service_full.json").read_text())
    data["schedules"] = [{"id": ROW, **HOSTILE[name]}]
    path = tmp_path / "service.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    before = snapshot(session.get_bind())

    result = run(backoffice_app, "import", "--lenient", str(path))

    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    if result.exit_code:
        assert result.stderr.splitlines()[-1].startswith("Error: nothing imported")
        assert "Traceback" not in result.output
        assert snapshot(session.get_bind()) == before
