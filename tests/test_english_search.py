"""English pages: the language filter finds the lines that speak it, and those lines come
first; the demo's English texts are there to find."""

from __future__ import annotations

from datetime import UTC, datetime

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from directory.models import Language, Service
from directory.search.leading import MAX_LEADING
from directory.search.query import SearchQuery
from directory.search.reindex import reindex
from directory.search.results import search_services

ENGLISH_CAPABLE = {
    "よりそいホットライン",
    "DV相談＋（プラス）",
    "法テラス・サポートダイヤル",
    "外国人のための人権相談",
}
NOW = datetime(2026, 3, 9, 1, 0, tzinfo=UTC)  # a Monday, 10:00 in Tokyo


def names(session: Session, query: SearchQuery) -> list[str]:
    return [summary.name for summary in search_services(session, query, now=NOW).items]


def test_the_demo_lines_with_foreign_language_support_record_their_languages(
    demo: Session,
) -> None:
    english = demo.scalars(
        select(Service.name).join(Language).where(Language.code == "en").order_by(Service.name)
    )

    assert set(english) == ENGLISH_CAPABLE
    yorisoi = demo.scalar(select(Service).where(Service.name == "よりそいホットライン"))
    assert yorisoi is not None
    assert {"ja", "en", "zh", "ko", "vi", "ne"} <= {language.code for language in yorisoi.languages}


def test_the_demo_national_lines_and_city_section_have_english_texts(demo: Session) -> None:
    services = demo.scalars(select(Service).where(Service.area == "national")).all()
    section = demo.scalar(select(Service).where(Service.name.startswith("京丹後市 健康長寿")))

    assert section is not None and section.name_en == "Kyotango City Health Promotion Division"
    assert all(service.name_en for service in services)
    assert all(service.organization.name_en for service in services)
    for service in [*services, section]:
        for text in (service.name_en, service.summary_en, service.audience_en):
            assert not any(char in text for char in "（）、。：「」"), (service.name, text)


def test_the_language_filter_finds_the_lines_that_speak_english(demo: Session) -> None:
    found = names(demo, SearchQuery(languages=("en",), per_page=50))

    assert set(found) == ENGLISH_CAPABLE


def test_the_filter_works_on_the_english_page(client: FlaskClient, demo: Session) -> None:
    yorisoi = demo.scalar(select(Service).where(Service.name == "よりそいホットライン"))
    assert yorisoi is not None

    page = client.get("/en/directory?languages=en").get_data(as_text=True)

    assert f"/en/directory/services/{yorisoi.id}" in page


def test_on_english_pages_the_national_english_lines_come_first(demo: Session) -> None:
    japanese = names(demo, SearchQuery(per_page=50))
    english = names(demo, SearchQuery(per_page=50, first_languages=("en",)))

    assert set(english[: len(ENGLISH_CAPABLE)]) == ENGLISH_CAPABLE
    assert japanese[0] not in ENGLISH_CAPABLE  # usually: local, open now first
    assert sorted(english) == sorted(japanese)  # the same services, reordered
    rest = [name for name in japanese if name not in ENGLISH_CAPABLE]
    assert english[len(ENGLISH_CAPABLE) :] == rest  # the others in their usual order
    assert len(ENGLISH_CAPABLE) <= MAX_LEADING


def test_the_pages_of_an_english_listing_follow_on_without_repeats(demo: Session) -> None:
    whole = names(demo, SearchQuery(per_page=50, first_languages=("en",)))
    paged = [
        name
        for number in range(1, 5)
        for name in names(demo, SearchQuery(page=number, per_page=3, first_languages=("en",)))
    ]
    total = search_services(demo, SearchQuery(per_page=3, first_languages=("en",)), now=NOW).total

    assert paged == whole[:12]
    assert total == len(whole)


def test_words_keep_their_matches_and_the_english_lines_among_them_lead(demo: Session) -> None:
    found = names(demo, SearchQuery(text="domestic violence", first_languages=("en",)))

    assert found[0] == "DV相談＋（プラス）"  # the only line of them that answers in English
    assert set(found) == set(names(demo, SearchQuery(text="domestic violence")))


def test_the_page_language_comes_from_the_page_not_the_arguments() -> None:
    assert SearchQuery.from_args({"first_languages": "en"}).first_languages == ()
    assert SearchQuery.from_args({}, page_language="en").first_languages == ("en",)
    assert SearchQuery.from_args({}, page_language="ja").first_languages == ()


def test_an_english_word_is_found_where_it_is_written_not_where_its_letter_pairs_are(
    demo: Session,
) -> None:
    """A long English text holds most pairs of letters: "a mess on a street" has st, tr, re,
    ee, es and ss, every pair of "streess", but not the word. Neither database may find it
    there, in the name or anywhere else."""
    service = demo.scalar(select(Service).where(Service.name == "よりそいホットライン"))
    assert service is not None
    service.name_en = "A mess on a street"
    service.summary_en = "Tresses of a mess on a street"
    reindex(demo, [service])
    demo.commit()

    for word in ("streess", "messt", "streetmess"):
        found = names(demo, SearchQuery(text=word, per_page=50))
        assert "よりそいホットライン" not in found, word
    for word in ("street", "messona", "tresses"):
        found = names(demo, SearchQuery(text=word, per_page=50))
        assert "よりそいホットライン" in found, word
    first = names(demo, SearchQuery(text="street", per_page=50))
    assert first[0] == "よりそいホットライン"  # in the name: before any other match
