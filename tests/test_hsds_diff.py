"""`directory diff`: what an import would add and change, with the database left exactly as it
was; what it says matches what the import then does."""

from __future__ import annotations

import copy
import json
import uuid
from pathlib import Path

from flask import Flask
from sqlalchemy.orm import Session

from directory.hsds.dataset import export_dataset
from directory.hsds.vocabulary import Json
from tests.test_hsds_examples import EXAMPLES, SERVICE, run, snapshot


def write(path: Path, data: Json) -> Path:
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def edited_export(demo: Session) -> tuple[Json, Json, Json]:
    """The demo's export with one service renamed and its phone changed, and one service added."""
    data = copy.deepcopy(export_dataset(demo))
    changed = next(s for s in data["services"] if s["phones"])
    old_name, old_number = changed["name"], changed["phones"][0]["number"]
    changed["name"] = "名前を変えた相談窓口"
    changed["phones"][0]["number"] = "0120-000-000"
    added = copy.deepcopy(changed)
    added["id"] = str(uuid.uuid4())
    added["name"] = "新しい相談窓口"
    for attr in added["attributes"]:
        attr["id"], attr["link_id"] = str(uuid.uuid4()), added["id"]
    for phone in added["phones"]:
        phone["id"] = str(uuid.uuid4())
        for attr in phone.get("attributes", []):
            attr["id"], attr["link_id"] = str(uuid.uuid4()), phone["id"]
    added.pop("metadata", None)
    data["services"].append(added)
    return data, changed | {"old_name": old_name, "old_number": old_number}, added


def test_diff_lists_what_an_import_would_change_and_writes_nothing(
    demo: Session, backoffice_app: Flask, tmp_path: Path
) -> None:
    data, changed, added = edited_export(demo)
    path = write(tmp_path / "edited.json", data)
    before = snapshot(demo.get_bind())

    result = run(backoffice_app, "diff", str(path))

    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    head = f"~ service {changed['id']} 「名前を変えた相談窓口」"
    assert f"{head}: name: '{changed['old_name']}' → '名前を変えた相談窓口'" in lines
    assert any(
        line.startswith(f"{head}: channels: removed 'phone {changed['old_number']}")
        and "added 'phone 0120-000-000" in line
        for line in lines
    ), lines
    assert f"+ service {added['id']} 「新しい相談窓口」: added" in lines
    services = len(data["services"])
    assert f"service: 1 added, 1 changed, {services - 2} unchanged" in result.output
    assert "nothing written" in result.output
    assert snapshot(demo.get_bind()) == before


def test_after_the_import_the_same_diff_finds_nothing_to_change(
    demo: Session, backoffice_app: Flask, tmp_path: Path
) -> None:
    data, _, _ = edited_export(demo)
    path = write(tmp_path / "edited.json", data)

    assert run(backoffice_app, "import", str(path)).exit_code == 0
    result = run(backoffice_app, "diff", str(path))

    assert result.exit_code == 0, result.output
    assert f"service: 0 added, 0 changed, {len(data['services'])} unchanged" in result.output
    assert not [line for line in result.output.splitlines() if line[:2] in ("+ ", "~ ")]


def test_a_lenient_diff_lists_the_notes_and_matches_the_lenient_import(
    session: Session, backoffice_app: Flask
) -> None:
    example = str(EXAMPLES / "service_full.json")
    before = snapshot(session.get_bind())

    first = run(backoffice_app, "diff", "--lenient", example)

    assert first.exit_code == 0, first.output
    assert f"+ service {SERVICE} 「Community Counselling」: added" in first.output
    assert "schedules[0].timezone: converted from UTC+3 to Japan time" in first.output
    assert snapshot(session.get_bind()) == before
    assert run(backoffice_app, "import", "--lenient", example).exit_code == 0
    again = run(backoffice_app, "diff", "--lenient", example)
    assert "service: 0 added, 0 changed, 1 unchanged" in again.output, again.output
    assert "location: 0 added, 0 changed, 1 unchanged" in again.output


def test_a_diff_of_a_file_the_import_would_refuse_lists_the_problems(
    demo: Session, backoffice_app: Flask, tmp_path: Path
) -> None:
    data, changed, _ = edited_export(demo)
    next(s for s in data["services"] if s["id"] == changed["id"])["url"] = "http://example.jp"
    path = write(tmp_path / "bad.json", data)
    before = snapshot(demo.get_bind())

    result = run(backoffice_app, "diff", str(path))

    assert result.exit_code == 1
    assert f"service {changed['id']}: url: only https:// addresses can be stored" in result.output
    assert snapshot(demo.get_bind()) == before
