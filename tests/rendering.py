"""Helpers for tests of what the public site keeps of its pages (`public_site.render_cache`,
`public_site.fragments`): a clock to set, and GETs that the page cache cannot serve. The two
sites they compare, ``site`` (with its caches) and ``uncached_site``, are fixtures in conftest."""

from __future__ import annotations

import re
from datetime import datetime

from flask import Flask
from flask.testing import FlaskClient

from core.timezone import TOKYO
from public_site.now import CLOCK

BEFORE_SIX = datetime(2026, 12, 8, 5, 59, 30, tzinfo=TOKYO)  # Tuesday: #いのちSOS opens at 6:00
SIX = datetime(2026, 12, 8, 6, 0, 10, tzinfo=TOKYO)


def at(moment: datetime, *apps: Flask) -> None:
    """Every request of these apps takes place at ``moment``."""
    for app in apps:
        app.config[CLOCK] = lambda: moment


class Pages:
    """GETs that the page cache cannot serve: each address gets a parameter no one else used,
    which the page returned no longer shows (its links repeat the address)."""

    def __init__(self, app: Flask) -> None:
        self.client: FlaskClient = app.test_client()
        self.count = 0

    def get(self, url: str) -> str:
        self.count += 1
        joiner = "&" if "?" in url else "?"
        response = self.client.get(f"{url}{joiner}visit={self.count}")
        assert response.status_code == 200
        return re.sub(r"(&amp;|\?)visit=\d+", "", response.get_data(as_text=True))
