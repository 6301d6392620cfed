"""WSGI entry points, each built on first use so a process holds only what it serves.

- ``public``: the public site (internet-facing): ``gunicorn wsgi:public``
- ``backoffice``: the staff app (internal network only): ``gunicorn wsgi:backoffice``
- ``app``: both in one process for local use, the back office under ``/staff``;
  also what ``flask --app wsgi ...`` commands run against.

A missing production setting stops the process with one line naming it.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask
from werkzeug.middleware.dispatcher import DispatcherMiddleware

from backoffice import create_app as create_backoffice_app
from core.config import ConfigError, Settings, load_settings, require
from public_site import create_app as create_public_app
from public_site.export_static import export_command

STAFF_PREFIX = "/staff"
PUBLIC_SITE = "tsunagu.public_site"  # combined.extensions: the public site it dispatches to


def create_combined_app(settings: Settings | None = None) -> Flask:
    """The back office, with the public site answering every address outside ``/staff``."""
    settings = settings or load_settings()
    require(settings, "public_secret_key", "backoffice_secret_key")
    public_site = create_public_app(settings)
    combined = create_backoffice_app(settings)
    combined.config["SESSION_COOKIE_PATH"] = STAFF_PREFIX  # keep the staff cookie off public pages
    combined.extensions[PUBLIC_SITE] = public_site
    # Here, where both apps are at hand: the back office's `tsunagu` group exports the site.
    combined.cli.commands["tsunagu"].add_command(export_command(public_site))  # type: ignore[attr-defined]
    combined.wsgi_app = DispatcherMiddleware(  # type: ignore[method-assign]
        public_site.wsgi_app, {STAFF_PREFIX: combined.wsgi_app}
    )
    return combined


_FACTORIES: dict[str, Callable[[], Flask]] = {
    "public": create_public_app,
    "backoffice": create_backoffice_app,
    "app": create_combined_app,
}
_built: dict[str, Flask] = {}


def __getattr__(name: str) -> Flask:
    if name not in _FACTORIES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    if name not in _built:
        try:
            _built[name] = _FACTORIES[name]()
        except ConfigError as error:
            raise SystemExit(f"tsunagu: {error}") from None
    return _built[name]
