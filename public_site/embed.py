"""The help panel partner sites embed (`/embed/`): who can be reached now, 119 and 110, the
city's dedicated window and a search box that opens the full site.

Partners include it with one ``<iframe>`` (the back office shows the snippet), so no script of
ours ever runs on their page, and the panel itself runs none. It is the one page of the site
that may be framed, and only by the origins staff list in the municipality profile
(`Profile.partner_origins`): its Content-Security-Policy names them in ``frame-ancestors``
(`core.security.framed_by`); with none listed it refuses every frame, as every other page does.

Every link and the search form open the full site in a new tab (``<base target="_blank">``):
the partner's page stays where it was, and the frame's sandbox needs no right to navigate it.
"""

from __future__ import annotations

from flask import Blueprint, current_app, render_template

from core.profile import Profile
from core.security import framed_by
from core.web import current_profile
from public_site.localization import localized_route
from public_site.now import block_for_request

bp = Blueprint("embed", __name__)


def partner_origins(profile: Profile, *, production: bool) -> tuple[str, ...]:
    """The origins that may frame the panel: the stored profile's partner origins, without the
    loopback ones in production (`Profile.frame_origins`); none when the profile has none."""
    choose = getattr(profile, "frame_origins", None)
    if choose is None:
        return ()
    return tuple(choose(production=production))


def current_partner_origins() -> tuple[str, ...]:
    """For this request: read from the stored profile, so a change applies from the next page
    (it also bumps the content version, which retires every kept copy of the panel)."""
    settings = current_app.config["TSUNAGU_SETTINGS"]
    return partner_origins(current_profile(), production=settings.production)


@localized_route(bp, "/embed/")
@framed_by(current_partner_origins)
def panel() -> str:
    return render_template("embed/panel.html", block=block_for_request())
