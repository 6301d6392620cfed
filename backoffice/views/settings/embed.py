"""ウィジェットの貼り付けコード (`settings.manage`, administrators): the one-line ``<iframe>``
partner sites paste to show the public help panel, per language, and which partner origins
may show it now (edited on the profile page)."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template

from backoffice.settings.embed_snippet import embed_snippets
from backoffice.staff.permissions import requires
from backoffice.views.settings.preview import file_profile, production
from core.db import get_session
from core.profile import get_profile

bp = Blueprint("embed_snippet", __name__, url_prefix="/settings")


@bp.get("/embed")
@requires("settings.manage")
def snippet() -> str:
    profile = get_profile(get_session(), file_profile())
    base_url = current_app.config["TSUNAGU_SETTINGS"].public_base_url
    return render_template(
        "backoffice/settings/embed.html",
        snippets=embed_snippets(base_url, profile.name, profile.name_en),
        origins=profile.frame_origins(production=production()),
        ignored=len(profile.partner_origins) - len(profile.frame_origins(production=production())),
    )
