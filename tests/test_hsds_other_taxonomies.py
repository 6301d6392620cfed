"""Other systems' taxonomies: a lenient import keeps the terms a service was filed under, each
under its own taxonomy, for staff; public pages, search and our exports never show them."""

from __future__ import annotations

import copy
import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.config import PROJECT_ROOT
from directory.hsds.dataset import export_dataset
from directory.hsds.importer import import_dataset
from directory.models import Service, TaxonomyTerm
from directory.queries import topics
from directory.search.reindex import reindex
from directory.taxonomy import TAXONOMY, ensure_topics
from tests.staff import signed_in_client
from tests.test_hsds_examples import SERVICE, run

EXAMPLE = PROJECT_ROOT / "tests" / "data" / "hsds-examples" / "service_full.json"
FOOD = {
    "id": "a0e7d1c2-54b5-4d25-9d4c-36d0d1c4f0aa",
    "code": "BD-1800.2000",
    "name": "Food Pantries",
    "description": "Programs that distribute food for people to prepare at home.",
    "taxonomy": "AIRS/211 LA County Taxonomy",
}
DEBT = {  # the same code as one of our topics, in another taxonomy
    "id": "b1f8e2d3-65c6-4e36-8e5d-47e1e2d5a1bb",
    "code": "debt",
    "name": "Debt Counseling",
    "taxonomy": "Open Eligibility",
}


def filed_under(*terms: dict[str, Any], value: str = "") -> dict[str, Any]:
    """The specification's service example, filed under ``terms`` (nested, as APIs show them)."""
    data = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    data["attributes"] = [
        {
            "id": str(uuid.uuid5(uuid.NAMESPACE_URL, repr(term["id"]))),
            "link_id": data["id"],
            "link_type": "service",
            "link_entity": "service",
            "value": value,
            "taxonomy_term": copy.deepcopy(term),
        }
        for term in terms
    ]
    return data


def imported(session: Session, data: dict[str, Any]) -> Service:
    report = import_dataset(session, data, lenient=True)
    assert report.ok, report.problems
    session.commit()
    service = session.get(Service, SERVICE)
    assert service is not None
    return service


def test_a_term_of_another_taxonomy_is_kept_under_it_for_the_service(session: Session) -> None:
    service = imported(session, filed_under(FOOD, DEBT))

    kept = {(t.taxonomy, t.code, t.name) for t in service.other_terms}
    assert kept == {
        ("AIRS/211 LA County Taxonomy", "BD-1800.2000", "Food Pantries"),
        ("Open Eligibility", "debt", "Debt Counseling"),
    }
    assert service.topics == []  # our topics are staff's to choose
    ours = session.scalars(select(TaxonomyTerm).where(TaxonomyTerm.code == "debt")).all()
    assert {term.taxonomy for term in ours} == {TAXONOMY, "Open Eligibility"}
    assert [t.code for t in topics(session)].count("debt") == 1


def test_a_second_import_updates_the_terms_and_refiles_the_service(session: Session) -> None:
    imported(session, filed_under(FOOD, DEBT))
    renamed = dict(FOOD, name="Food Pantries and Banks")

    service = imported(session, filed_under(renamed))

    assert [(t.code, t.name) for t in service.other_terms] == [
        ("BD-1800.2000", "Food Pantries and Banks")
    ]
    others = select(TaxonomyTerm).where(TaxonomyTerm.taxonomy != TAXONOMY)
    assert len(session.scalars(others).all()) == 1  # the debt term, filing nothing now, went

    service = imported(session, filed_under())  # a file that files it under nothing

    assert service.other_terms == []
    assert session.scalars(others).all() == []


def test_the_import_says_what_it_kept_and_what_it_left_out(
    session: Session, backoffice_app: Flask, tmp_path: Path
) -> None:
    path = tmp_path / "service.json"
    path.write_text(json.dumps(filed_under(FOOD, value="yes")), encoding="utf-8")

    result = run(backoffice_app, "import", "--lenient", str(path))

    assert result.exit_code == 0, result.output
    record = f"service {SERVICE}"
    assert (
        f"{record}: attributes[0]: kept under its own taxonomy: "
        "AIRS/211 LA County Taxonomy / BD-1800.2000 (Food Pantries)"
    ) in result.output
    assert f"{record}: attributes[0].value: left out (a term is kept): yes" in result.output
    assert "1 terms of other taxonomies" in result.output
    diff = run(backoffice_app, "diff", "--lenient", str(path))
    assert "kept under its own taxonomy" in diff.output


def test_a_strict_import_still_refuses_another_taxonomy(session: Session) -> None:
    report = import_dataset(session, filed_under(FOOD))

    assert not report.ok
    assert any("not a term of our taxonomies" in str(p) for p in report.problems)
    assert session.scalar(select(TaxonomyTerm).where(TaxonomyTerm.code == FOOD["code"])) is None


def test_a_long_term_is_shortened_to_its_columns_and_noted(session: Session) -> None:
    long = dict(FOOD, code="X" * 90, name="N" * 250)
    report = import_dataset(session, filed_under(long), lenient=True)

    assert report.ok, report.problems
    term = session.get(Service, SERVICE).other_terms[0]  # type: ignore[union-attr]
    assert (len(term.code), len(term.name)) == (64, 200)
    assert any(n.field == "attributes[0].code" for n in report.notes)


@pytest.fixture
def published(session: Session) -> Service:
    service = imported(session, filed_under(FOOD))
    service.status = "published"
    reindex(session, [service])
    session.commit()
    return service


def test_public_pages_search_and_exports_never_show_them(
    published: Service, session: Session, client: FlaskClient
) -> None:
    pages = [
        client.get(f"/directory/services/{published.id}"),
        client.get(f"/en/directory/services/{published.id}"),
        client.get("/directory"),
        client.get(f"/api/hsds/services/{published.id}"),
        client.get("/api/hsds/taxonomy_terms"),
    ]
    search = client.get("/directory", query_string={"q": "Food Pantries"})

    for page in pages:
        assert page.status_code == 200
        text = page.get_data(as_text=True)
        assert "Food Pantries" not in text and "BD-1800" not in text
    assert published.name in pages[2].get_data(as_text=True)
    assert f"/directory/services/{published.id}" not in search.get_data(as_text=True)
    assert client.get("/directory/topics/BD-1800.2000").status_code == 404
    for public in (True, False):
        exported = json.dumps(export_dataset(session, public=public), ensure_ascii=False)
        assert "Food Pantries" not in exported


def test_staff_see_them_beside_our_topics(published: Service, backoffice_app: Flask) -> None:
    client = signed_in_client(backoffice_app, "editor")
    page = client.get(f"/directory/services/{published.id}")

    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "取り込み元の分類" in text
    assert "AIRS/211 LA County Taxonomy / Food Pantries（BD-1800.2000）" in text


@pytest.mark.parametrize(
    "taxonomy", ["tsunagu-topics ", "\u3000Tsunagu-Topics", "tsunagu - contact-channel"]
)
def test_a_term_claiming_one_of_our_taxonomies_is_never_stored(
    session: Session, taxonomy: str
) -> None:
    evil = dict(FOOD, taxonomy=taxonomy, code="debt", name="HIJACKED")
    ensure_topics(session)
    before = [(t.code, t.name) for t in topics(session)]
    assert ("debt", "借金・お金") in before

    report = import_dataset(session, filed_under(evil, dict(evil, code="evil")), lenient=True)

    assert report.ok, report.problems
    assert [(t.code, t.name) for t in topics(session)] == before
    assert session.scalar(select(TaxonomyTerm).where(TaxonomyTerm.name == "HIJACKED")) is None
    assert session.get(Service, SERVICE).other_terms == []  # type: ignore[union-attr]
    assert any(
        "attributes[0]" in note.field and "left out" in note.message for note in report.notes
    )


def test_repeated_look_alike_and_malformed_terms_import_without_a_traceback(
    session: Session,
) -> None:
    again = dict(FOOD, id="c2a9f3e4-76d7-4f47-9f6e-58f2f3e6b2cc", name="Food Pantry (again)")
    slash_left = dict(FOOD, id="d3b0a4f5-87e8-4a58-8a7f-69a3a4f7c3dd", taxonomy="a/b", code="c")
    slash_right = dict(FOOD, id="e4c1b5a6-98f9-4b69-9b8a-7ab4b5a8d4ee", taxonomy="a", code="b/c")
    listed_id = dict(FOOD, id=["not", "text"], taxonomy="Listed", code="x")

    service = imported(session, filed_under(FOOD, again, slash_left, slash_right, listed_id))

    kept = sorted((t.taxonomy, t.code) for t in service.other_terms)
    assert kept == [
        ("AIRS/211 LA County Taxonomy", "BD-1800.2000"),
        ("Listed", "x"),
        ("a", "b/c"),
        ("a/b", "c"),
    ]
