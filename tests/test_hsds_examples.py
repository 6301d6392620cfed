"""HSDS from other systems: the specification's own examples import with --lenient, saying what
they leave out; pages of listings, empty files and unknown shapes are refused; nothing another
system sends is published without a check."""

from __future__ import annotations

import json
from datetime import time
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from core.config import PROJECT_ROOT
from core.db import Base
from directory.hsds import files
from directory.hsds.dataset import export_dataset
from directory.hsds.importer import import_dataset
from directory.hsds.schemas import SHIPPED
from directory.hsds.shapes import ShapeError
from directory.models import Location, Organization, Service

EXAMPLES = PROJECT_ROOT / "tests" / "data" / "hsds-examples"
SERVICE = "ac148810-d857-441c-9679-408f346de14b"
ORGANIZATION = "d9d5e0f5-d3ce-4f73-9a2f-4dd0ecc6c610"
LOCATION = "3a19ff88-4620-4d17-9830-ac1d859eb5d5"
# What each example holds once imported: (organizations, services, locations, links).
IMPORTED = {
    "service_full.json": "1 organizations, 1 services, 1 locations, 1 service_at_locations",
    "organization_full.json": "1 organizations, 1 services, 1 locations, 1 service_at_locations",
    "service_at_location_full.json": (
        "1 organizations, 1 services, 1 locations, 1 service_at_locations"
    ),
    "service_list.json": "1 organizations, 1 services, 0 locations, 0 service_at_locations",
    "organization_list.json": "1 organizations, 0 services, 0 locations, 0 service_at_locations",
    "service_at_location_list.json": (
        "1 organizations, 1 services, 1 locations, 1 service_at_locations"
    ),
    "csv": "1 organizations, 1 services, 1 locations, 1 service_at_locations",
}


def run(app: Flask, *args: str):
    return app.test_cli_runner().invoke(args=["directory", *args])


def snapshot(engine: Engine) -> dict[str, list[str]]:
    """Every row of every table, as text: equal snapshots mean an unchanged database."""
    with engine.connect() as connection:
        return {
            table.name: sorted(repr(tuple(row)) for row in connection.execute(table.select()))
            for table in Base.metadata.sorted_tables
        }


@pytest.mark.parametrize("name", sorted(IMPORTED))
def test_each_official_example_imports_leniently_and_says_what_it_left_out(
    session: Session, backoffice_app: Flask, name: str
) -> None:
    result = run(backoffice_app, "import", "--lenient", str(EXAMPLES / name))

    assert result.exit_code == 0, result.output
    assert f"import: {IMPORTED[name]}" in result.output
    assert "left out or converted (" in result.output
    assert f"organization {ORGANIZATION}: website: kept as text" in result.output
    assert f"organization {ORGANIZATION}: year_incorporated: left out" in result.output
    organization = session.get(Organization, ORGANIZATION)
    assert organization is not None and organization.website == ""
    assert "http://example.com" in organization.description


@pytest.mark.parametrize("name", ["service_full.json", "csv"])
def test_a_lenient_service_keeps_what_fits_and_converts_the_rest(
    session: Session, backoffice_app: Flask, name: str
) -> None:
    result = run(backoffice_app, "import", "--lenient", str(EXAMPLES / name))

    assert result.exit_code == 0, result.output
    record = f"service {SERVICE}"
    for said in (
        f"{record}: phones[0].number: written as +44-1234-234567",
        f"{record}: schedules[0].timezone: converted from UTC+3 to Japan time: TH,FR 10:00-18:00"
        " became TH,FR 16:00-00:00",
        f"{record}: schedules[0].byweekno: left out (the hours now apply every week): 41,42",
        f"{record}: url: kept as text, not as a link (only https is linked):"
        " http://example.com/counselling",
        f"{record}: status: active: stored as a draft",
        f"{record}: minimum_age: left out",
        f"location {LOCATION}: latitude, longitude: left out (not a place on Earth)",
    ):
        assert said in result.output
    service = session.get(Service, SERVICE)
    assert service is not None
    assert (service.status, service.needs_check) == ("draft", True)
    assert service.url == ""
    assert "http://example.com/counselling" in service.contact_note
    assert service.languages_note.startswith("Interpretation services are available")
    assert [(c.kind, c.value) for c in service.channels] == [("phone", "+44-1234-234567")]
    assert "内線 100" in service.channels[0].label
    hours = sorted((s.weekday, s.opens_at, s.closes_at) for s in service.schedules)
    assert hours == [(3, time(16), time(0)), (4, time(16), time(0))]
    location = session.get(Location, LOCATION)
    assert location is not None and location.latitude is None
    assert location.address_1 == "1-30 Main Street MyVillage"


def test_terms_of_another_taxonomy_and_dangling_metadata_are_named(
    session: Session, backoffice_app: Flask
) -> None:
    result = run(backoffice_app, "import", "--lenient", str(EXAMPLES / "service_full.json"))

    assert result.exit_code == 0, result.output
    record = f"service {SERVICE}"
    # The example's term is of a taxonomy the example calls "name": kept under it, for staff.
    assert f"{record}: attributes[0]: kept under its own taxonomy: name / code (name)" in (
        result.output
    )
    assert f"{record}: metadata[0]: skipped: it describes a location" in result.output
    package = run(backoffice_app, "import", "--lenient", str(EXAMPLES / "csv"))
    assert "metadata 6cd71e9f-1013-49d9-8370-26b8f59d3e5a: (link): skipped:" in package.output
    # The package's one attribute links to no record in it: its term files no service.
    assert "taxonomy_term 3f7b145d-84af-42d7-8fae-eaca714b02b2: (record): left out" in (
        package.output
    )


@pytest.mark.parametrize(
    "name", ["service_list.json", "organization_list.json", "service_at_location_list.json"]
)
def test_a_page_of_a_listing_is_refused_in_strict_mode_with_a_clear_message(
    demo: Session, backoffice_app: Flask, name: str
) -> None:
    before = snapshot(demo.get_bind())

    result = run(backoffice_app, "import", str(EXAMPLES / name))

    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "Error: nothing imported: API の一覧の 1 ページ目（全 10 ページ）で、記録の一部しか"
        "ありません。全ページを一つのファイルにまとめるか、--lenient でこのページだけを読み込んで"
        "ください (one page (1 of 10) of an API listing holds only part of the records: put every"
        " page in one file, or import this page alone with --lenient)"
    ]
    assert snapshot(demo.get_bind()) == before


def test_a_strict_import_of_an_example_lists_what_it_cannot_hold_and_changes_nothing(
    demo: Session, backoffice_app: Flask
) -> None:
    before = snapshot(demo.get_bind())

    result = run(backoffice_app, "import", str(EXAMPLES / "service_full.json"))

    assert result.exit_code == 1
    assert f"service {SERVICE}: url: only https:// addresses can be stored" in result.output
    assert f"service {SERVICE}: schedules[0].timezone: only Japan time" in result.output
    assert "nothing imported:" in result.output
    assert snapshot(demo.get_bind()) == before


@pytest.mark.parametrize(
    ("content", "japanese"),
    [
        ({"services": []}, "読み込む記録がありません"),
        ({"organizations": [], "taxonomies": []}, "読み込む記録がありません"),
        ({"contents": [], "total_pages": 0, "page_number": 1}, "記録が一件もありません"),
        ({"contents": [{"id": "x"}]}, "中身がサービス・団体・サービスの場所のいずれでもありません"),
        ({"hello": "world"}, "HSDS のどの形にも当てはまりません"),
        ({}, "HSDS のどの形にも当てはまりません"),
        ({"id": LOCATION, "location_type": "physical"}, "HSDS のどの形にも当てはまりません"),
        ([], "JSON のオブジェクトではありません"),
    ],
)
@pytest.mark.parametrize("options", [[], ["--lenient"]])
def test_an_empty_file_or_an_unknown_shape_is_refused_and_changes_nothing(
    demo: Session,
    backoffice_app: Flask,
    tmp_path: Path,
    content: object,
    japanese: str,
    options: list[str],
) -> None:
    path = tmp_path / "input.json"
    path.write_text(json.dumps(content), encoding="utf-8")
    before = snapshot(demo.get_bind())

    for command in ("import", "diff"):
        result = run(backoffice_app, command, *options, str(path))

        assert result.exit_code == 1, result.output
        lines = result.stderr.splitlines()
        assert len(lines) == 1 and lines[0].startswith("Error: nothing imported: "), lines
        assert japanese in lines[0]
    assert snapshot(demo.get_bind()) == before


def test_a_lenient_import_is_still_all_or_nothing(demo: Session, backoffice_app: Flask) -> None:
    data = json.loads((EXAMPLES / "service_full.json").read_text(encoding="utf-8"))
    data["service_areas"][0]["id"] = "area-1"  # not a UUID: nothing lenient can make of it
    before = snapshot(demo.get_bind())
    with Session(demo.get_bind()) as session:
        report = import_dataset(session, data, lenient=True)
        session.commit()

    assert not report.ok
    assert any(p.field == "service_areas[0].id" for p in report.problems)
    assert report.notes  # what it would have left out is still said
    assert snapshot(demo.get_bind()) == before


def test_a_service_from_another_system_is_stored_as_a_draft(session: Session) -> None:
    data = {
        "organizations": [{"id": ORGANIZATION, "name": "Example", "description": ""}],
        "services": [
            {"id": SERVICE, "organization_id": ORGANIZATION, "name": "相談", "status": "active"}
        ],
    }

    report = import_dataset(session, data)

    assert report.ok, report.problems
    service = session.get(Service, SERVICE)
    assert service is not None and (service.status, service.needs_check) == ("draft", True)


def test_our_own_export_keeps_its_published_services(demo: Session, other_engine: Engine) -> None:
    published = set(demo.scalars(select(Service.id).where(Service.status == "published")))
    with Session(other_engine) as session:
        assert import_dataset(session, export_dataset(demo, public=True)).ok
        session.commit()
        stored = set(session.scalars(select(Service.id).where(Service.status == "published")))
    assert stored == published


def test_a_shape_error_says_it_in_japanese_and_english() -> None:
    with pytest.raises(ShapeError) as raised:
        import_dataset(None, {"services": []})  # type: ignore[arg-type]  # refused before any read

    assert raised.value.japanese.startswith("読み込む記録がありません")
    assert raised.value.english.startswith("nothing to import")


@pytest.mark.parametrize("tabular", [False, True], ids=["json", "csv"])
def test_our_own_export_imported_leniently_loses_nothing(
    demo: Session, other_engine: Engine, tmp_path: Path, tabular: bool
) -> None:
    text = files.dumps(export_dataset(demo))
    files.write_export(export_dataset(demo), tmp_path / "out", tabular=tabular, schema_dir=SHIPPED)
    data, unreadable = files.read_dataset(tmp_path / "out")
    with Session(other_engine) as session:
        report = import_dataset(session, data, lenient=True, skipped=unreadable)
        session.commit()
        assert report.ok, report.problems
        assert [str(note) for note in report.notes] == []
        assert files.dumps(export_dataset(session)) == text
