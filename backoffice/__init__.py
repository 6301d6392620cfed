"""The back office: staff pages behind a default-deny gate, for the internal network only."""

from __future__ import annotations

from flask import Flask

from core.audit_chain import init_audit
from core.config import Settings, load_settings, require
from core.crypto import init_crypto
from core.db import init_db
from core.i18n import DEFAULT_LANGUAGE, init_i18n
from core.observability import init_observability
from core.profile import read_profile_file
from core.security import init_security, no_store
from core.web import STATIC_FOLDER, init_error_pages, init_templates


def create_app(config: Settings | None = None) -> Flask:
    settings = config or load_settings()
    require(
        settings,
        "database_url",
        "backoffice_secret_key",
        "data_keys",
        "blind_index_key",
        "audit_key",
        "public_base_url",  # the QR codes of the cards printed here
    )
    app = Flask(
        __name__, static_folder=str(STATIC_FOLDER), instance_path=str(settings.instance_path)
    )
    app.config.update(
        SECRET_KEY=settings.backoffice_secret_key,
        SESSION_COOKIE_NAME="__Host-tsunagu_staff" if settings.production else "tsunagu_staff",
        TSUNAGU_SETTINGS=settings,
        MAX_CONTENT_LENGTH=3 * 1024 * 1024,  # a 2 MB card logo and its form
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the server-side session
    )
    init_db(app, settings.database_url)
    init_crypto(app, settings)
    init_audit(app, settings)
    init_security(app, settings)
    app.after_request(no_store)
    init_i18n(app, lambda: DEFAULT_LANGUAGE)
    init_templates(app, read_profile_file(settings.profile_path))
    init_error_pages(app, "backoffice/error.html")

    from backoffice.commands import init_cli
    from backoffice.views import register_blueprints
    from backoffice.web.denials import init_denials
    from backoffice.web.gate import init_gate
    from backoffice.web.network import init_network_allowlist
    from backoffice.web.ratelimit import init_ratelimit
    from backoffice.web.setup import init_accounts
    from backoffice.web.templating import init_templating

    init_network_allowlist(app, settings)
    init_accounts(app, settings)
    init_ratelimit(app, settings)
    init_gate(app)
    init_denials(app, settings)
    init_templating(app)
    register_blueprints(app)
    init_cli(app)
    init_observability(app, settings, "backoffice")
    return app
