"""Staff choose the crisis lines and the crisis words; both are data, with history and audit."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.audit import AuditEvent
from directory import crisis
from directory.hsds.dataset import build_dataset
from directory.hsds.importer import import_dataset
from directory.models import ChangeRecord, CrisisTerm, Service
from tests.staff import post_form, signed_in_client


def service_named(session: Session, name: str) -> Service:
    service = session.scalar(select(Service).where(Service.name == name))
    assert service is not None
    return service


def test_staff_mark_a_crisis_line_and_the_change_is_in_its_history(
    backoffice_app: Flask, public_app: Flask, demo: Session
) -> None:
    service = service_named(demo, "チャイルドライン")
    assert not service.is_crisis_line
    client = signed_in_client(backoffice_app, "editor")
    url = f"/directory/services/{service.id}"
    form_page = client.get(url).get_data(as_text=True)
    assert "いますぐ話せる窓口として上に表示" in form_page

    fields: dict[str, object] = {
        "name": service.name,
        "organization_id": service.organization_id,
        "cost": service.cost,
        "area": service.area,
        "status": service.status,
        "hours_note": service.hours_note,
        "audience": service.audience,
        "source_url": service.source_url,
        "source_date": service.source_date,
        "cost_note": service.cost_note,
        "name_kana": service.name_kana,
    }
    fields |= {"topics": [t.code for t in service.topics], "audiences": service.audiences}
    fields |= {k: "y" for k in ("needs_check", "closed_over_year_end") if getattr(service, k)}
    if service.anonymous:
        fields["anonymous"] = "y"
    response = post_form(client, url, {**fields, "is_crisis_line": "y"})

    assert response.status_code == 302
    demo.expire_all()
    assert service_named(demo, "チャイルドライン").is_crisis_line
    record = demo.scalar(
        select(ChangeRecord).where(
            ChangeRecord.resource_id == service.id, ChangeRecord.field_name == "is_crisis_line"
        )
    )
    assert record is not None
    assert (record.previous_value, record.replacement_value) == ("False", "True")
    assert "is_crisis_line" in client.get(url).get_data(as_text=True)


def test_the_flag_travels_through_hsds_export_and_import(demo: Session) -> None:
    services = demo.scalars(select(Service).order_by(Service.id)).all()
    organizations = {s.organization_id: s.organization for s in services}
    dataset = build_dataset(services, organizations.values(), locations=[], topics=[])
    marked = {s.id for s in services if s.is_crisis_line}
    for service in services:
        service.is_crisis_line = False
    demo.flush()

    report = import_dataset(demo, dataset)

    assert report.ok, report.problems
    demo.expire_all()
    assert {s.id for s in demo.scalars(select(Service).where(Service.is_crisis_line))} == marked


def test_crisis_words_load_once_and_match_after_normalisation(demo: Session) -> None:
    assert crisis.load_crisis_terms(demo) == 0  # the demo loaded them already
    keys = crisis.crisis_keys(demo)

    for text in (
        "死にたい",
        "しにたい",
        "シニタイ",
        "ｼﾆﾀｲ",
        "もう消えたい…",
        "Want to die",
        "SUICIDE",
    ):
        assert crisis.holds_crisis_word(text, keys), text
    for text in ("借金", "しごと", "", "die", "眠れない", "food bank", "うつ", "さみしい"):
        assert not crisis.holds_crisis_word(text, keys), text


@pytest.mark.parametrize(
    "text",
    [
        # Asking how to die, or telling of hurting oneself: among those most at risk, so help
        # comes first. The words are never shown to residents, only matched.
        "死ぬ方法", "楽に死ねる方法", "首をつりたい", "リストカット", "リスカしちゃった",
        "オーバードーズ", "ODしたい", "自傷", "How to die", "self harm",
        # The wish, typed in more ways than the first list knew.
        "死んでしまいたい", "死んだほうがまし", "もう終わりにしたい", "生きるのつらい",
        "生きてる意味ない", "消えたくなる", "I want to disappear",
    ],
)  # fmt: skip
def test_searches_for_a_method_or_telling_of_self_harm_count_as_crisis(
    demo: Session, text: str
) -> None:
    assert crisis.holds_crisis_word(text, crisis.crisis_keys(demo)), text


def test_no_word_naming_a_means_is_ever_shown_on_a_public_page(
    public_app: Flask, demo: Session
) -> None:
    client = public_app.test_client()
    pages = ["/", "/en/", "/directory", "/directory?q=%E6%AD%BB%E3%81%AC%E6%96%B9%E6%B3%95"]
    html = "".join(client.get(url).get_data(as_text=True) for url in pages)
    means = ("リストカット", "オーバードーズ", "過量服薬", "首吊り", "首つり", "飛び降り", "死に方")

    assert "now-block-crisis" in html  # the search for a method was answered with help first
    assert [word for word in means if word in html] == []


@pytest.mark.parametrize("words", ["死ぬ方法", "リストカット", "how to die"])
def test_a_crisis_search_whose_words_find_nothing_lists_the_lines_to_talk_to(
    public_app: Flask, demo: Session, words: str
) -> None:
    client = public_app.test_client()
    html = client.get("/directory", query_string={"q": words}).get_data(as_text=True)
    wish = client.get("/directory", query_string={"q": "死にたい"}).get_data(as_text=True)

    assert "見つかりませんでした" not in html
    assert _service_links(html) == _service_links(wish) != []


def _service_links(html: str) -> list[str]:
    main = html.split("<main", 1)[1]
    return re.findall(r'href="(/directory/services/[^"]+)"', main)


def test_staff_add_and_remove_a_crisis_word_that_search_uses(
    backoffice_app: Flask, demo: Session
) -> None:
    client = signed_in_client(backoffice_app, "editor")
    assert not crisis.is_crisis_query(demo, "いなくなってしまいたい")

    added = post_form(client, "/directory/crisis-terms", {"term": "いなくなってしまいたい"})
    duplicate = post_form(client, "/directory/crisis-terms", {"term": "シニタイ"})
    short = post_form(client, "/directory/crisis-terms", {"term": "死"})

    assert added.status_code == 302
    assert duplicate.status_code == 400 and "すでに登録" in duplicate.get_data(as_text=True)
    assert short.status_code == 400 and "2文字から" in short.get_data(as_text=True)
    demo.expire_all()
    assert crisis.is_crisis_query(demo, "もう いなくなってしまいたい")
    term = demo.scalar(select(CrisisTerm).where(CrisisTerm.term == "いなくなってしまいたい"))
    assert term is not None
    assert demo.scalar(select(AuditEvent).where(AuditEvent.action == "directory.crisis_term.add"))

    removed = post_form(
        client, f"/directory/crisis-terms/{term.id}/delete", {}, form_url="/directory/crisis-terms"
    )
    missing = post_form(
        client, "/directory/crisis-terms/999999/delete", {}, form_url="/directory/crisis-terms"
    )

    assert removed.status_code == 302 and missing.status_code == 404
    demo.expire_all()
    assert not crisis.is_crisis_query(demo, "いなくなってしまいたい")
    history = demo.scalars(
        select(ChangeRecord.last_action_type).where(ChangeRecord.resource_type == "crisis_term")
    ).all()
    assert sorted(history) == ["create", "delete"]


def test_an_analyst_cannot_edit_crisis_words(backoffice_app: Flask, demo: Session) -> None:
    client = signed_in_client(backoffice_app, "analyst")

    assert client.get("/directory/crisis-terms").status_code == 403
