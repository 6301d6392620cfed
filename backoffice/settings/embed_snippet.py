"""The one-line ``<iframe>`` a partner site pastes to show the public help panel (``/embed/``,
`public_site.embed`), as administrators copy it from the back office.

The frame is sandboxed with only what the panel needs: ``allow-popups`` and
``allow-popups-to-escape-sandbox`` so that its links and its search open the full site in a new
tab that works as the site does (the panel opens everything with ``target="_blank"``);
``allow-forms`` for that search; ``allow-same-origin`` so that the panel keeps its own origin
and may load its own style sheet (the site's files answer only their own origin:
``Cross-Origin-Resource-Policy: same-origin``). No ``allow-scripts``: nothing runs in the
frame, so keeping its origin gives it nothing to act with, and no ``allow-top-navigation``:
the frame can never move the partner's page. ``referrerpolicy`` keeps the partner's address
(which page of theirs a resident was reading) out of the request; ``loading="lazy"`` loads it
only when scrolled near.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

EMBED_PATH = "/embed/"  # public_site.embed's panel, under each language's prefix
SANDBOX = "allow-popups allow-popups-to-escape-sandbox allow-forms allow-same-origin"
WIDTH, HEIGHT = 360, 800  # a phone's column; the panel fits 320 px and scrolls if taller
# The frame's title (read out by screen readers on the partner's page), per panel language.
TITLES = {
    "ja": "{city} こころの相談窓口案内（つなぐ）",
    "easy": "{city} こころの 相談窓口 案内（つなぐ）",
    "en": "{city}: where to talk when things are hard (Tsunagu)",
}
LANGUAGE_NAMES = {"ja": "日本語", "easy": "やさしい日本語", "en": "英語"}


@dataclass(frozen=True)
class Snippet:
    lang: str
    name: str  # the language, as the back office names it
    url: str
    html: str


def embed_url(public_base_url: str, lang: str = "ja") -> str:
    prefix = "" if lang == "ja" else "/" + lang
    return public_base_url.rstrip("/") + prefix + EMBED_PATH


def embed_snippet(public_base_url: str, city: str, lang: str = "ja") -> Snippet:
    """The ``<iframe>`` for the panel in ``lang`` (``ja``, ``easy`` or ``en``)."""
    url = embed_url(public_base_url, lang)
    title = TITLES[lang].format(city=city)
    html = (
        f'<iframe src="{escape(url)}" title="{escape(title)}" width="{WIDTH}" height="{HEIGHT}"'
        f' loading="lazy" referrerpolicy="no-referrer" sandbox="{SANDBOX}"></iframe>'
    )
    return Snippet(lang, LANGUAGE_NAMES[lang], url, html)


def embed_snippets(public_base_url: str, city: str, city_en: str) -> list[Snippet]:
    return [
        embed_snippet(public_base_url, city, "ja"),
        embed_snippet(public_base_url, city, "easy"),
        embed_snippet(public_base_url, city_en or city, "en"),
    ]
