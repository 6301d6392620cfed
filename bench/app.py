"""The public site as served in production, plus a bare route as the same-server baseline."""

from __future__ import annotations

from public_site import create_app

BARE_PATH = "/__bench/bare"

application = create_app()


@application.route(BARE_PATH)
def bare() -> str:
    return "ok"
