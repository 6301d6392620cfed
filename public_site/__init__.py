"""The public site: help information, the support directory, and nothing that identifies anyone.

It sets no cookies, loads nothing from other hosts, and works without JavaScript.
"""

from __future__ import annotations

from flask import Flask

from core.config import Settings, load_settings, require
from core.db import init_db
from core.i18n import init_i18n
from core.observability import init_observability
from core.profile import read_profile_file
from core.security import init_security
from core.web import STATIC_FOLDER, init_error_pages, init_templates
from public_site.cookieless import CookielessSessionInterface
from public_site.localization import current_language, init_localization
from public_site.page_cache import init_page_cache
from public_site.service_text import init_service_text


def create_app(config: Settings | None = None) -> Flask:
    settings = config or load_settings()
    require(settings, "database_url", "public_secret_key", "public_base_url")
    app = Flask(
        __name__, static_folder=str(STATIC_FOLDER), instance_path=str(settings.instance_path)
    )
    app.config.update(
        SECRET_KEY=settings.public_secret_key,
        SESSION_COOKIE_NAME="tsunagu_public",
        TSUNAGU_SETTINGS=settings,
        QUICK_EXIT_URL=settings.quick_exit_url,
    )
    app.session_interface = CookielessSessionInterface()
    init_db(app, settings.database_url)
    init_security(app, settings)
    init_i18n(app, current_language)
    init_templates(app, read_profile_file(settings.profile_path))
    init_localization(app)
    init_service_text(app)
    init_error_pages(app, "public/error.html")

    from public_site.api import bp as api_bp
    from public_site.cards_views import bp as cards_bp
    from public_site.directory_views import bp as directory_bp
    from public_site.embed import bp as embed_bp
    from public_site.go import bp as go_bp
    from public_site.labels import labels
    from public_site.offline import bp as offline_bp
    from public_site.print_views import bp as print_bp
    from public_site.views import bp

    app.register_blueprint(labels)
    app.register_blueprint(bp)
    app.register_blueprint(directory_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(cards_bp)
    app.register_blueprint(offline_bp)
    app.register_blueprint(embed_bp)
    app.register_blueprint(go_bp)
    app.register_blueprint(print_bp)
    # Last: its hit is served after every other before_request hook, and a page is stored
    # before any other after_request hook adds its headers (they add them again on a hit).
    init_page_cache(app, settings)
    init_observability(app, settings, "public")  # outermost: front-cache hits are counted too
    return app
