"""Internationalisation: Japanese is the source language, English the first translation."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask
from flask_babel import Babel

from core.config import packaged

LANGUAGES = ("ja", "en")
DEFAULT_LANGUAGE = "ja"
TIMEZONE = "Asia/Tokyo"


def init_i18n(app: Flask, locale_selector: Callable[[], str]) -> None:
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LANGUAGE)
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", TIMEZONE)
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", str(packaged("translations")))
    Babel(app, locale_selector=locale_selector)
