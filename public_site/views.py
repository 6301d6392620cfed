"""Public pages. Views only fetch and render; the queries live in the domain packages."""

from __future__ import annotations

from flask import Blueprint, render_template

from core.db import get_session
from directory.hours import service_status
from directory.queries import home_channels
from directory.support_pages import support_services, support_topics
from directory.topics import BEREAVED_BY_SUICIDE, WORRIED_ABOUT_SOMEONE, SupportPage
from public_site.localization import localized_route
from public_site.now import request_now

bp = Blueprint("public", __name__)


@localized_route(bp, "/")
def home() -> str:
    channels = home_channels(get_session())
    now = request_now()
    statuses = {s.id: service_status(s, now) for group in channels.values() for s in group}
    return render_template("public/home.html", channels=channels, statuses=statuses)


@localized_route(bp, "/privacy")
def privacy() -> str:
    return render_template("public/privacy.html")


@localized_route(bp, "/accessibility")
def accessibility() -> str:
    return render_template("public/accessibility.html")


@localized_route(bp, "/worried-about-someone")
def worried_about_someone() -> str:
    """身近な人が心配なとき: noticing, asking, listening, connecting and staying near."""
    return _support_page("public/worried.html", WORRIED_ABOUT_SOMEONE)


@localized_route(bp, "/bereaved-by-suicide")
def bereaved_by_suicide() -> str:
    """大切な人を自死で亡くされた方へ."""
    return _support_page("public/bereaved.html", BEREAVED_BY_SUICIDE)


def _support_page(template: str, page: SupportPage) -> str:
    db, now = get_session(), request_now()
    services = support_services(db, page)
    return render_template(
        template,
        services=services,
        topics=support_topics(db, page),
        statuses={s.id: service_status(s, now) for s in services},
    )
