"""The demo directory goes in through the HSDS import, as a user's file would, and loses nothing
of the fact sheet on the way."""

from __future__ import annotations

import copy
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from directory import demo
from directory.demo import HOME_GROUPS, DemoDataError, demo_dataset, load_demo_directory
from directory.facts import check_note, needs_check, public_facts, read_rows, stable_id
from directory.hsds.dataset import export_dataset
from directory.hsds.files import dumps
from directory.hsds.vocabulary import FIELD_TAXONOMY, Json, term_id
from directory.models import ChangeRecord, Service
from directory.schedules_demo import read_schedules

TODAY = date(2026, 6, 1)
ROWS = read_rows()
# Set by the database when the rows are written, so never the same twice.
WRITE_TIMES = {term_id(FIELD_TAXONOMY, code) for code in ("created_at", "updated_at")}


def without_write_times(data: Json) -> Json:
    data = copy.deepcopy(data)
    for key in ("organizations", "services"):
        for item in data[key]:
            item.pop("last_modified", None)
            item.pop("metadata", None)
            attributes = [
                a for a in item.get("attributes", []) if a["taxonomy_term_id"] not in WRITE_TIMES
            ]
            if attributes or key == "services":
                item["attributes"] = attributes
            else:
                item.pop("attributes", None)
    return data


def by_name(session: Session, name: str) -> Service:
    service = session.get(Service, stable_id("service", name))
    assert service is not None, name
    return service


def test_the_export_of_the_loaded_demo_is_the_demo_dataset(session: Session) -> None:
    dataset = demo_dataset(today=TODAY)

    load_demo_directory(session, today=TODAY)
    session.commit()

    exported = export_dataset(session)
    assert dumps(without_write_times(exported)) == dumps(without_write_times(dataset))
    assert exported["scope"] == "complete"
    assert len(exported["services"]) == len(ROWS)


def test_every_row_of_the_sheet_is_a_service_with_its_sources(session: Session) -> None:
    assert load_demo_directory(session, today=TODAY) == len(ROWS)
    session.commit()

    for order, row in enumerate(ROWS):
        service = by_name(session, row["name"])
        assert service.status == "published"
        facts = public_facts(row)  # the row less the research notes in its fields
        assert service.organization.name == facts.operator
        assert (service.source_url, service.source_date) == (row["source_url"], row["source_date"])
        assert service.confidence == row["confidence"]
        assert service.needs_check == needs_check(row)  # 要確認
        assert service.check_note == check_note(row)
        assert service.hours_note == facts.hours
        assert service.contact_note == facts.contact
        assert service.home_group == HOME_GROUPS.get(row["name"])
        assert service.sort_order == order
        assert service.topics, row["name"]


def test_the_structured_hours_are_loaded(session: Session) -> None:
    load_demo_directory(session, today=TODAY)
    session.commit()

    for name, entry in read_schedules().items():
        service = by_name(session, name)
        weekly = [s for s in service.schedules if s.kind == "weekly"]
        assert len(weekly) == sum(len(spec["days"]) for spec in entry["ranges"]), name
        closed = {s.valid_from.strftime("%m-%d") for s in service.schedules if s.closed}
        assert closed == set(entry.get("closed_every_year", [])), name
        assert service.closed_over_year_end == entry["closed_over_year_end"], name
    unlisted = [row["name"] for row in ROWS if row["name"] not in read_schedules()]
    assert all(not by_name(session, name).schedules for name in unlisted)


def test_loading_again_leaves_the_change_history_alone(session: Session) -> None:
    load_demo_directory(session, today=TODAY)
    service = by_name(session, ROWS[0]["name"])
    session.add(
        ChangeRecord(
            resource_id=service.id,
            resource_type="service",
            last_action_date=datetime(2026, 6, 1, tzinfo=UTC),
            last_action_type="verify",
            field_name="verified_at",
            updated_by="職員 山田",
        )
    )
    session.commit()

    load_demo_directory(session, today=TODAY)
    session.commit()

    assert session.scalar(select(func.count()).select_from(ChangeRecord)) == 1


def test_a_fact_the_import_refuses_stops_the_whole_demo(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = copy.deepcopy(ROWS)
    rows[-1]["source_url"] = "javascript:alert(1)"
    monkeypatch.setattr(demo, "read_rows", lambda path: rows)

    with pytest.raises(DemoDataError) as refused:
        load_demo_directory(session, today=TODAY)

    service_id = stable_id("service", rows[-1]["name"])
    assert f"service {service_id}: attributes[" in str(refused.value)
    assert "a source must be a web address" in str(refused.value)
    assert session.scalar(select(func.count()).select_from(Service)) == 0
