"""Every kind of public page, in Japanese, やさしい日本語 and English, is valid HTML by the Nu Html
Checker (the W3C's validator, `vnu.jar` from the npm package vnu-jar, run offline with the
machine's Java; `make test` installs both). One checker run over all the pages: Java starts once."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from urllib.parse import quote

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.config import PROJECT_ROOT
from core.i18n import LANGUAGES
from directory.models import Service, TaxonomyTerm

VNU = PROJECT_ROOT / "node_modules/vnu-jar/build/dist/vnu.jar"
PREFIX = {"ja": "", "easy": "/easy", "en": "/en"}
# One address per kind of page; {service} and {topic} are filled from the demo directory.
PAGES = {
    "home": "/",
    "directory": "/directory",
    "search": "/directory?q=" + quote("眠れない") + "&open_now=1",
    "crisis-search": "/directory?q=" + quote("しにたい"),
    "language-filter": "/directory?languages=en",
    "service": "/directory/services/{service}",
    "topic": "/directory/topics/{topic}",
    "worried": "/worried-about-someone",
    "bereaved": "/bereaved-by-suicide",
    "cards": "/cards",
    "privacy": "/privacy",
    "accessibility": "/accessibility",
    "offline": "/offline",
    "embed": "/embed/",
}
# Pages that answer with an error page (its status is checked; its HTML validated too).
ERROR_PAGES = {"not-found": "/directory/services/no-such-service", "unknown-card": "/c/NOCARD"}
BROKEN = '<!DOCTYPE html><html lang="ja"><title>x</title><p><img src="a.png"></p></html>'


def java() -> str:
    found = shutil.which("java")
    assert found, "the Nu Html Checker needs Java: make test installs default-jre-headless"
    assert VNU.exists(), f"{VNU} is missing: npm ci (make test runs it)"
    return found


def demo_page_values(session: Session) -> dict[str, str]:
    """A published service with English texts of its own, one without (its Japanese is shown
    marked on /en/), and a topic."""
    published = select(Service).where(Service.status == "published").order_by(Service.name)
    services = session.scalars(published).all()
    english = next(s for s in services if s.name_en)
    japanese_only = next(s for s in services if not s.name_en)
    topic = session.scalars(select(TaxonomyTerm.code).order_by(TaxonomyTerm.code)).first()
    assert topic is not None
    return {"service": english.id, "service-ja": japanese_only.id, "topic": topic}


def addresses(session: Session) -> dict[str, tuple[str, int]]:
    """File name -> (address, status expected), for every page kind in every language."""
    values = demo_page_values(session)
    pages = {**PAGES, "service-ja": PAGES["service"].replace("{service}", "{service-ja}")}
    found = {}
    for lang in LANGUAGES:
        for kind, path in pages.items():
            filled = path.format_map(values)
            found[f"{lang}-{kind}.html"] = (PREFIX[lang] + filled, 200)
        for kind, path in ERROR_PAGES.items():
            found[f"{lang}-{kind}.html"] = (PREFIX[lang] + path, 404)
    return found


def checker_errors(java_path: str, folder: Path) -> list[dict[str, object]]:
    done = subprocess.run(
        [java_path, "-jar", str(VNU), "--errors-only", "--format", "json", str(folder)],
        capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    # vnu writes its JSON report to standard error and exits 1 when it found errors.
    report = json.loads(done.stderr or "{}")
    return [m for m in report.get("messages", []) if m.get("type") != "info"]


def test_every_public_page_kind_is_valid_html_in_each_language(
    client: FlaskClient, demo: Session, tmp_path: Path
) -> None:
    java_path = java()
    pages = addresses(demo)
    for name, (address, status) in pages.items():
        response = client.get(address)
        assert response.status_code == status, address
        assert response.mimetype == "text/html", address
        (tmp_path / name).write_bytes(response.get_data())

    # A page broken on purpose: proof that the checker read this folder and reports errors.
    (tmp_path / "broken-on-purpose.html").write_text(BROKEN)

    errors = checker_errors(java_path, tmp_path)

    assert {Path(str(e["url"])).name for e in errors} >= {"broken-on-purpose.html"}
    errors = [e for e in errors if not str(e["url"]).endswith("/broken-on-purpose.html")]
    shown = [
        f"{Path(str(e.get('url', ''))).name}:{e.get('lastLine')}: {e.get('message')}"
        f"\n    {str(e.get('extract', '')).strip()}"
        for e in errors
    ]
    assert not shown, "\n".join(shown)
    assert len(pages) == len(LANGUAGES) * (len(PAGES) + 1 + len(ERROR_PAGES))
