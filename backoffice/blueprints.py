"""Every back-office blueprint, registered in one place."""

from __future__ import annotations

from typing import Any

from flask import Flask
from werkzeug.routing import IntegerConverter, Map


class RowId(IntegerConverter):
    """``<int:...>`` in the back office: a record id fits a database integer, or it is not found
    (rather than an overflow error deep in the database driver)."""

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:
        super().__init__(map, min=0, max=2**31 - 1)


def register_blueprints(app: Flask) -> None:
    app.url_map.converters["int"] = RowId
    from backoffice.account import bp as account
    from backoffice.audit_views import bp as audit
    from backoffice.auth import bp as auth
    from backoffice.cards_admin import bp as cards_admin
    from backoffice.casework_views import bp as casework
    from backoffice.dashboard import bp as dashboard
    from backoffice.directory_admin import bp as directory_admin
    from backoffice.records_views import bp as records
    from backoffice.referral_actions import bp as referral_actions
    from backoffice.referral_views import bp as referrals
    from backoffice.staff_admin import bp as staff_admin

    for blueprint in (
        auth,
        dashboard,
        account,
        staff_admin,
        audit,
        directory_admin,
        cards_admin,
        referrals,
        referral_actions,
        casework,
        records,
    ):
        app.register_blueprint(blueprint)
