"""Directory text and profile values are text on every public page, in every language: a name,
summary or English text holding markup (and kanji, so that easy pages put readings over it)
never becomes an element, inside <ruby>/<rt>, in the page's <title> or anywhere else."""

from __future__ import annotations

from dataclasses import replace

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.profile import get_profile, store_profile
from directory.models import Service
from directory.search.reindex import reindex
from tests.test_public_text import public_urls

PAYLOAD = "相談</rt></ruby></title><x-evil onerror=1>\"'<script>窓口"
FIELDS = (
    "name", "description", "audience", "hours_note", "cost_note", "address", "name_en",
    "summary_en", "audience_en", "hours_note_en", "cost_note_en", "summary_easy", "contact_note",
    "languages_note",
)  # fmt: skip


def test_markup_in_directory_text_and_the_profile_stays_text_on_every_page(
    client: FlaskClient, public_app: Flask, demo: Session
) -> None:
    services = demo.scalars(select(Service).where(Service.status == "published")).all()
    for service in services[:3]:
        for field in FIELDS:
            setattr(service, field, f"{getattr(service, field)}{PAYLOAD}")
        service.organization.name += PAYLOAD
        service.organization.name_en = f"Org{PAYLOAD}"
    profile = get_profile(demo, public_app.extensions["tsunagu.profile"])
    hostile = dict.fromkeys(("section", "dedicated_window_name", "dedicated_window_hours"), PAYLOAD)
    store_profile(
        demo,
        replace(
            profile,
            name=profile.name + PAYLOAD,
            name_en=f"City{PAYLOAD}",
            address=PAYLOAD,
            **hostile,
        ),
    )
    reindex(demo)
    demo.commit()
    urls = [*public_urls(public_app, demo), "/embed/", "/en/embed/", "/easy/embed/"]
    urls += [f"{lang}/directory/print?page=1" for lang in ("", "/en", "/easy")]
    checked, shown = 0, set()
    for url in urls:
        response = client.get(url)
        if response.mimetype != "text/html":
            continue
        body = response.get_data(as_text=True)
        assert "<x-evil" not in body, url
        assert "<script>窓口" not in body, url
        assert body.count("</title>") == 1, url
        checked += 1
        if "&lt;x-evil" in body:
            shown.add(url)
    assert checked > 100
    assert {"/embed/", "/en/directory/print?page=1", "/easy/"} <= shown  # the text was there
