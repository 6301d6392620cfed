"""Saving an edited profile: against the version the form was opened on, audited.

The version is the fingerprint of every stored value (`core.profile.profile_fingerprint`),
so a form opened before someone else saved is refused (`ProfileConflictError`) and changes
nothing. On PostgreSQL the row is locked while it is compared and written; on SQLite a save
that read before another one committed cannot take the write lock (WAL), so it fails rather
than overwrites. Saving bumps the content version (the profile is public content): every public
page and kept page part shows the new values on its next request, and cards printed from then
on follow them.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.settings.checks import changed_fields
from backoffice.staff.actor import Actor
from core import audit
from core.profile import (
    PROFILE_ID,
    MunicipalityProfile,
    Profile,
    get_profile,
    profile_fingerprint,
    store_profile,
)

ACTION = "settings.profile.update"


class ProfileConflictError(Exception):
    """The stored profile changed after the form was opened."""


def current_version(session: Session, fallback: Profile) -> str:
    return profile_fingerprint(get_profile(session, fallback))


def check_version(session: Session, fallback: Profile, version: str | None) -> Profile:
    """The stored profile, if it is still the one ``version`` names; else `ProfileConflictError`."""
    locked = select(MunicipalityProfile).where(MunicipalityProfile.id == PROFILE_ID)
    row = session.scalars(locked.with_for_update()).first()
    current = get_profile(session, fallback) if row is not None else fallback
    if not version or profile_fingerprint(current) != version:
        raise ProfileConflictError
    return current


def save_profile(
    session: Session, fallback: Profile, edited: Profile, *, version: str | None, actor: Actor
) -> list[str]:
    """Store ``edited`` and return the fields it changed (none: nothing stored, no event).

    The audit event names the fields, never their values: the trail says who changed the
    phone number, the profile itself says what it is now.
    """
    current = check_version(session, fallback, version)
    changed = changed_fields(current, edited)
    if not changed:
        return []
    row = session.get(MunicipalityProfile, PROFILE_ID)
    store_profile(session, edited, row.source_file if row is not None else "")
    session.flush()
    audit.record(
        session,
        action=ACTION,
        actor=actor,
        object_type="municipality_profile",
        object_id=PROFILE_ID,
        client_network=actor.network,
        reason="変更した項目: " + ", ".join(changed),
    )
    return changed
