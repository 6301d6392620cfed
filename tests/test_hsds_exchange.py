"""Export and import in HSDS 3.0: valid against the official schemas, the same bytes after a round
trip, and a bad file changes nothing and says what is wrong where."""

from __future__ import annotations

import copy
import csv
import io
import json
from datetime import UTC, date, datetime, time
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import Engine, func, select, update
from sqlalchemy.orm import Session

from core.config import PROJECT_ROOT
from core.csvsafe import FORMULA_START, neutralise, unneutralise
from directory.hsds import files, serialize
from directory.hsds.dataset import export_dataset
from directory.hsds.importer import import_dataset
from directory.hsds.rules import Problem
from directory.hsds.schemas import schema_validator
from directory.hsds.vocabulary import FIELD_TAXONOMY, Json, term_id
from directory.models import (
    ChangeRecord,
    ContactChannel,
    Location,
    Organization,
    Schedule,
    Service,
    ServiceAtLocation,
)

SHARED = PROJECT_ROOT.parent / "shared" / "hsds-3.0"
OFFICIAL = {  # what each exported list must satisfy: the official compiled schemas, where any
    "organizations": "compiled/organization.json",
    "services": "compiled/service.json",
    "locations": "location.json",
    "service_at_locations": "compiled/service_at_location.json",
    "taxonomies": "taxonomy.json",
    "taxonomy_terms": "taxonomy_term.json",
}
AREA_TERM = term_id(FIELD_TAXONOMY, "area")
# What a round trip must keep of every service, beyond what HSDS has a field for.
KEPT = (
    "organization_id",
    "name",
    "name_kana",
    "description",
    "url",
    "email",
    "audience",
    "audiences",
    "hours_note",
    "closed_on_holidays",
    "closed_over_year_end",
    "contact_note",
    "cost",
    "cost_note",
    "anonymous",
    "languages_note",
    "address",
    "area",
    "status",
    "home_group",
    "is_dedicated_window",
    "sort_order",
    "confidence",
    "needs_check",
    "check_note",
    "source_url",
    "source_date",
    "verified_at",
    "verified_by",
)


@pytest.fixture
def full(demo: Session) -> Session:
    """The demo directory, plus what the fact sheet lacks: hours, a place, staff notes, history."""
    first, second = demo.scalars(select(Service).order_by(Service.id).limit(2))
    first.schedules = [
        Schedule(
            kind="weekly",
            weekday=0,
            opens_at=time(9),
            closes_at=time(17),
            last_intake_at=time(16, 30),
        ),
        Schedule(kind="weekly", weekday=5, opens_at=time(22), closes_at=time(6)),
        Schedule(
            kind="exception",
            valid_from=date(2026, 12, 29),
            valid_to=date(2027, 1, 3),
            closed=True,
            description="年末年始",
        ),
        Schedule(
            kind="exception", valid_from=date(2026, 8, 13), opens_at=time(10), closes_at=time(15)
        ),
    ]
    first.channels.append(ContactChannel(kind="email", value="soudan@example.jp", sort_order=9))
    first.verified_at, first.verified_by = date(2026, 4, 1), "職員 山田"
    first.check_note, first.name_kana, first.is_dedicated_window = "番号を再確認", "てすと", True
    second.status, second.closed_on_holidays = "draft", True
    demo.add(
        Location(
            id="7b2e5d75-0000-4000-8000-000000000001",
            name="峰山庁舎",
            name_kana="みねやまちょうしゃ",
            address_1="峰山町杉谷691",
            city="京丹後市",
            state_province="京都府",
            postal_code="627-8567",
            latitude=35.629,
            longitude=135.061,
            accessibility="車いす可",
        )
    )
    demo.add(
        ServiceAtLocation(
            id="7b2e5d75-0000-4000-8000-000000000002",
            service_id=first.id,
            location_id="7b2e5d75-0000-4000-8000-000000000001",
        )
    )
    demo.add(
        ChangeRecord(
            resource_id=first.id,
            resource_type="service",
            last_action_date=datetime(2026, 4, 1, 1, 0, tzinfo=UTC),
            last_action_type="verify",
            field_name="verified_at",
            previous_value="",
            replacement_value="2026-04-01",
            updated_by="職員 山田",
        )
    )
    demo.commit()
    return demo


def export_text(session: Session, **options: bool) -> str:
    return files.dumps(export_dataset(session, **options))


def import_into(engine: Engine, data: Json) -> list[Problem]:
    """Import as `directory import` does by default: against the schemas shipped with us."""
    with Session(engine) as session:
        report = import_dataset(session, data)
        session.commit()
    return report.problems


def service_ids(session: Session) -> list[str]:
    return list(session.scalars(select(Service.id).order_by(Service.id)))


def test_every_exported_object_satisfies_the_official_schemas(full: Session) -> None:
    data = export_dataset(full)

    for key, schema in OFFICIAL.items():
        validator = schema_validator(SHARED, schema)
        for item in data[key]:
            errors = [e.message for e in validator.iter_errors(item)]
            assert not errors, (key, item["id"], errors)
    assert len(data["services"]) == len(service_ids(full))
    assert data["locations"] and data["service_at_locations"]


def test_every_csv_has_the_official_columns(full: Session) -> None:
    written = files.tabular_files(export_dataset(full), SHARED)

    official = json.loads((SHARED / "datapackage.json").read_text())
    columns = {r["path"]: [f["name"] for f in r["schema"]["fields"]] for r in official["resources"]}
    for name, text in written.items():
        if name != "datapackage.json":
            assert next(csv.reader(io.StringIO(text))) == columns[name], name
    assert json.loads(written["datapackage.json"])["profile"] == "tabular-data-package"


def test_json_round_trip_gives_the_same_bytes(full: Session, other_engine: Engine) -> None:
    before = export_text(full)

    assert import_into(other_engine, json.loads(before)) == []
    with Session(other_engine) as session:
        after = export_text(session)

    assert after == before


def test_csv_round_trip_gives_the_same_files(
    full: Session, other_engine: Engine, tmp_path: Path
) -> None:
    files.write_export(export_dataset(full), tmp_path / "pkg", tabular=True, schema_dir=SHARED)
    data, unreadable = files.read_dataset(tmp_path / "pkg")

    assert unreadable == []
    assert import_into(other_engine, data) == []
    with Session(other_engine) as session:
        again = files.tabular_files(export_dataset(session), SHARED)
    assert again == files.tabular_files(export_dataset(full), SHARED)


def test_a_round_trip_keeps_our_own_fields(full: Session, other_engine: Engine) -> None:
    assert import_into(other_engine, export_dataset(full)) == []

    with Session(other_engine) as copied:
        for original in full.scalars(select(Service)):
            twin = copied.get(Service, original.id)
            assert twin is not None
            for name in KEPT:
                assert getattr(twin, name) == getattr(original, name), (original.name, name)
            assert _channels(twin) == _channels(original)
            assert _schedules(twin) == _schedules(original)
            assert {t.code for t in twin.topics} == {t.code for t in original.topics}
            assert twin.created_at == original.created_at.replace(
                microsecond=original.created_at.microsecond // 1000 * 1000
            )
        assert copied.get(Location, "7b2e5d75-0000-4000-8000-000000000001").name_kana == (
            "みねやまちょうしゃ"
        )
        history = copied.scalars(select(ChangeRecord)).one()
        assert (history.updated_by, history.field_name) == ("職員 山田", "verified_at")


def _channels(service: Service) -> list[tuple[str, str, str]]:
    ordered = sorted(service.channels, key=lambda c: c.sort_order)
    return [(c.kind, c.value, c.label) for c in ordered]


def _schedules(service: Service) -> set[tuple]:
    return {
        (
            s.kind,
            s.weekday,
            s.opens_at,
            s.closes_at,
            s.last_intake_at,
            s.valid_from,
            s.valid_to or s.valid_from,
            s.closed,
            s.description,
        )
        for s in service.schedules
    }


def test_importing_again_updates_the_same_records(full: Session) -> None:
    # A time already at whole milliseconds is unchanged by the file, while the creation time
    # beside it is rounded: the file's modification time must still win over ``onupdate``.
    whole = datetime(2026, 5, 1, 2, 3, 4, 5000, UTC)
    finer = whole.replace(microsecond=5678)
    for model in (Organization, Service):
        full.execute(update(model).values(created_at=finer, updated_at=whole))
    full.commit()
    before = export_text(full)

    assert import_into(full.get_bind(), json.loads(before)) == []

    full.expire_all()
    assert export_text(full) == before


def test_a_service_as_the_api_shows_it_can_be_imported(full: Session, other_engine: Engine) -> None:
    service = full.get(Service, service_ids(full)[0])
    shown = serialize.service_to_hsds(service, nested=True)

    assert import_into(other_engine, {"services": [shown]}) == []

    with Session(other_engine) as copied:
        twin = copied.get(Service, service.id)
        assert twin is not None
        assert twin.organization.name == service.organization.name
        assert [sal.location.name for sal in twin.service_at_locations] == ["峰山庁舎"]
        assert _channels(twin) == _channels(service)


def test_public_export_holds_only_what_the_api_shows(full: Session) -> None:
    data = export_dataset(full, public=True)
    text = files.dumps(data)

    assert data["scope"] == "public"
    assert {s["status"] for s in data["services"]} == {"active"}
    assert "番号を再確認" not in text
    assert "山田" not in text
    assert all("metadata" not in s for s in data["services"])


def broken(full: Session, change) -> Json:
    data = export_dataset(full)
    data = copy.deepcopy(data)
    change(data)
    return data


def service_with_phone(data: Json) -> Json:
    return next(s for s in data["services"] if s["phones"])


def assert_refused(full: Session, data: Json, record: str, field: str) -> list[Problem]:
    before = export_text(full)
    with Session(full.get_bind()) as session:
        report = import_dataset(session, data)
        session.commit()
    assert not report.ok
    assert any(p.record == record and p.field == field for p in report.problems), [
        str(p) for p in report.problems
    ]
    full.expire_all()
    assert export_text(full) == before
    return report.problems


def test_a_bad_phone_number_changes_nothing_and_is_named(full: Session) -> None:
    def change(data: Json) -> None:
        service_with_phone(data)["phones"][0]["number"] = "0120-abc-def"
        data["services"][-1]["name"] = "変更されないはず"

    data = broken(full, change)
    service = service_with_phone(data)

    problems = assert_refused(full, data, f"service {service['id']}", "phones[0].number")
    assert "digits" in str(problems[0])


@pytest.mark.parametrize(
    "bad", ["javascript:alert(1)", "http://example.jp/", "https://", "https://a b.jp/"]
)
def test_only_https_links_are_accepted(full: Session, bad: str) -> None:
    data = broken(full, lambda d: d["services"][0].update(url=bad))

    assert_refused(full, data, f"service {data['services'][0]['id']}", "url")


def test_a_channel_link_must_be_https_too(full: Session) -> None:
    data = export_dataset(full)
    service = next(
        s
        for s in data["services"]
        if any(a["link_type"] == "contact_channel" for a in s["attributes"])
    )
    index = next(
        i for i, a in enumerate(service["attributes"]) if a["link_type"] == "contact_channel"
    )
    service["attributes"][index]["value"] = "javascript:alert(document.cookie)"

    assert_refused(full, data, f"service {service['id']}", f"attributes[{index}].value")


def test_a_missing_required_field_is_named(full: Session) -> None:
    data = broken(full, lambda d: d["services"][0].pop("name"))

    problems = assert_refused(full, data, f"service {data['services'][0]['id']}", "name")
    assert "required" in problems[0].message


def test_ids_must_be_uuids(full: Session) -> None:
    data = broken(full, lambda d: service_with_phone(d)["phones"][0].update(id="phone-1"))

    assert_refused(full, data, f"service {service_with_phone(data)['id']}", "phones[0].id")


def test_unknown_taxonomy_terms_and_bad_times_are_refused(full: Session) -> None:
    def change(data: Json) -> None:
        service = data["services"][0]
        service["attributes"][0]["taxonomy_term_id"] = "00000000-0000-4000-8000-000000000000"
        service["schedules"] = [
            {
                "id": "00000000-0000-4000-8000-000000000001",
                "freq": "WEEKLY",
                "byday": "XX",
                "opens_at": "25:00",
                "closes_at": "17:00",
            }
        ]

    data = broken(full, change)
    record = f"service {data['services'][0]['id']}"

    problems = assert_refused(full, data, record, "attributes[0].taxonomy_term_id")
    assert {p.field for p in problems} >= {"schedules[0].opens_at", "schedules[0].byday"}


def test_values_of_our_own_fields_are_checked(full: Session) -> None:
    data = export_dataset(full)
    service = data["services"][0]
    area = next(
        i for i, a in enumerate(service["attributes"]) if a["taxonomy_term_id"] == AREA_TERM
    )
    service["attributes"][area]["value"] = "mars"

    assert_refused(full, data, f"service {service['id']}", f"attributes[{area}].value")


def test_a_service_must_belong_to_a_known_organization(full: Session) -> None:
    def change(data: Json) -> None:
        data["services"][0]["organization_id"] = "00000000-0000-4000-8000-0000000000ff"

    data = broken(full, change)

    assert_refused(full, data, f"service {data['services'][0]['id']}", "organization_id")


@pytest.mark.parametrize(
    "value",
    [
        "",
        "plain",
        "'",
        "'plain",
        "=1+1",
        "'=1+1",
        "''=x",
        "+81-772",
        "-",
        "@a",
        "\tx",
        "\rx",
        "＝1",
    ],
)
def test_a_neutralised_cell_reads_back_exactly(value: str) -> None:
    written = neutralise(value)

    assert not written.startswith(FORMULA_START)
    assert unneutralise(written) == value


def test_csv_export_neutralises_formulas_and_reads_them_back_exactly(
    full: Session, other_engine: Engine, tmp_path: Path
) -> None:
    first = full.scalars(select(Service).order_by(Service.id)).first()
    assert first is not None
    first.name = '=HYPERLINK("https://evil.example","相談")'
    first.description, first.check_note = "@SUM(1+1)", "'=already quoted"
    first.channels.append(ContactChannel(kind="phone", value="+81-772-69-0000", sort_order=10))
    full.commit()
    files.write_export(export_dataset(full), tmp_path / "pkg", tabular=True, schema_dir=SHARED)

    cells = [
        cell
        for table in (tmp_path / "pkg").glob("*.csv")
        for row in csv.reader(io.StringIO(table.read_text(encoding="utf-8")))
        for cell in row
    ]
    assert [cell for cell in cells if cell.startswith(FORMULA_START)] == []
    assert {"'" + first.name, "'@SUM(1+1)", "''=already quoted", "'+81-772-69-0000"} <= set(cells)
    assert "35.629" in cells  # a number is written as it is
    data, unreadable = files.read_dataset(tmp_path / "pkg")
    assert unreadable == []
    assert import_into(other_engine, data) == []
    with Session(other_engine) as session:
        copied = session.get(Service, first.id)
        assert copied is not None
        assert (copied.name, copied.description, copied.check_note) == (
            first.name,
            first.description,
            first.check_note,
        )
        assert "+81-772-69-0000" in [channel.value for channel in copied.channels]
        again = files.tabular_files(export_dataset(session), SHARED)
    assert again == files.tabular_files(export_dataset(full), SHARED)


def test_a_zip_datapackage_reads_like_the_json(full: Session, tmp_path: Path) -> None:
    data = export_dataset(full)
    files.write_export(data, tmp_path / "directory.zip", tabular=True, schema_dir=SHARED)

    again, unreadable = files.read_dataset(tmp_path / "directory.zip")

    assert unreadable == []
    assert files.dumps(again) == files.dumps(data)


def test_a_datapackage_row_pointing_nowhere_is_reported(full: Session, tmp_path: Path) -> None:
    files.write_export(export_dataset(full), tmp_path / "pkg", tabular=True, schema_dir=SHARED)
    phones = tmp_path / "pkg" / "phones.csv"
    lines = phones.read_text(encoding="utf-8").splitlines(keepends=True)
    row = lines[1].split(",")
    row[2] = "00000000-0000-4000-8000-0000000000aa"  # service_id
    phones.write_text(lines[0] + ",".join(row) + "".join(lines[2:]), encoding="utf-8")

    _, unreadable = files.read_dataset(tmp_path / "pkg")

    assert any(p.startswith(f"phone {row[0]}: links to service") for p in unreadable)


def run(app: Flask, *args: str):
    return app.test_cli_runner().invoke(args=["directory", *args])


def test_cli_exports_and_imports_json_and_csv(
    full: Session, backoffice_app: Flask, tmp_path: Path
) -> None:
    result = run(backoffice_app, "export", str(tmp_path / "directory.json"))
    assert result.exit_code == 0, result.output
    assert f"{len(service_ids(full))} services (complete)" in result.output
    result = run(backoffice_app, "export", "--csv", str(tmp_path / "pkg"))
    assert result.exit_code == 0, result.output
    assert (tmp_path / "pkg" / "datapackage.json").is_file()

    for path in ("directory.json", "pkg"):
        result = run(backoffice_app, "import", str(tmp_path / path))
        assert result.exit_code == 0, result.output
        assert "services" in result.output
    assert json.loads((tmp_path / "directory.json").read_text())["services"]


def test_cli_import_of_a_bad_file_lists_the_problems_and_fails(
    full: Session, backoffice_app: Flask, tmp_path: Path
) -> None:
    data = broken(full, lambda d: service_with_phone(d)["phones"][0].update(number="0120;rm"))
    (tmp_path / "bad.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    (tmp_path / "garbage.json").write_text("{not json", encoding="utf-8")
    count = full.scalar(select(func.count()).select_from(Service))

    result = run(backoffice_app, "import", str(tmp_path / "bad.json"))

    assert result.exit_code != 0
    assert f"service {service_with_phone(data)['id']}: phones[0].number" in result.output
    assert "nothing imported: 1 problem(s)" in result.output
    assert full.scalar(select(func.count()).select_from(Service)) == count
    garbage = run(backoffice_app, "import", str(tmp_path / "garbage.json"))
    assert garbage.exit_code != 0
    assert "not a JSON document" in garbage.output


def test_cli_public_export_leaves_drafts_out(
    full: Session, backoffice_app: Flask, tmp_path: Path
) -> None:
    result = run(backoffice_app, "export", "--public", str(tmp_path / "open.json"))

    assert result.exit_code == 0, result.output
    exported = json.loads((tmp_path / "open.json").read_text(encoding="utf-8"))
    published = full.scalars(select(Service.id).where(Service.status == "published")).all()
    assert sorted(s["id"] for s in exported["services"]) == sorted(published)


def test_cli_import_renaming_an_organisation_reaches_its_services_results(
    demo: Session, backoffice_app: Flask, tmp_path: Path
) -> None:
    from directory.search.query import SearchQuery
    from directory.search.results import search_services

    data = export_dataset(demo)
    organization = data["organizations"][0]
    organization["name"] = "ゆうぐれ相談会"
    data["services"] = []  # the organisation alone: its services are not in the file
    (tmp_path / "renamed.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")

    result = run(backoffice_app, "import", str(tmp_path / "renamed.json"))

    assert result.exit_code == 0, result.output
    demo.expire_all()
    found = search_services(demo, SearchQuery(text="ゆうぐれ相談会"), now=datetime.now(UTC))
    assert found.items
    assert {summary.organization.name for summary in found.items} == {"ゆうぐれ相談会"}
