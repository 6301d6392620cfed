"""The `directory_admin` blueprint and what its pages share: one loader per record (a service
and its channels, hours and places; an organisation; a synonym group; a crisis word), the
signed-in editor the directory's services record, a service's page with every form on it, and
saving or refusing an edit made from one of them."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, NoReturn, TypeVar

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from backoffice.views.directory.forms import (
    ChannelForm,
    ExceptionForm,
    LanguageForm,
    LocationForm,
    ServiceAreaForm,
    ServiceForm,
    WeeklyHoursForm,
)
from backoffice.web.context import current_actor
from backoffice.web.forms import EmptyForm
from core.db import get_session
from core.timezone import tokyo_today
from core.web import current_profile
from directory import editing
from directory.models import (
    ContactChannel,
    CrisisTerm,
    Organization,
    Schedule,
    SearchSynonym,
    Service,
    ServiceAtLocation,
)
from directory.search.reindex import reindex
from directory.taps import service_tap_figures, tap_text

bp = Blueprint("directory_admin", __name__, url_prefix="/directory")
Record = TypeVar("Record")


def load_service(service_id: str) -> Service:
    """The service with everything its page shows; 404 if there is none."""
    service = editing.load_for_edit(get_session(), service_id)
    if service is None:
        abort(404)
    return service


def load_channel(service: Service, channel_id: int) -> ContactChannel:
    try:
        return editing.find_channel(service, channel_id)
    except editing.EditError as error:
        _gone(service, error)


def load_schedule(service: Service, schedule_id: int) -> Schedule:
    try:
        return editing.find_schedule(service, schedule_id)
    except editing.EditError as error:
        _gone(service, error)


def load_location_link(service: Service, link_id: str) -> ServiceAtLocation:
    try:
        return editing.find_location_link(service, link_id)
    except editing.EditError as error:
        _gone(service, error)


def load_organization(organization_id: str) -> Organization:
    return _found(get_session().get(Organization, organization_id))


def load_synonym_group(group_id: int) -> SearchSynonym:
    return _found(get_session().get(SearchSynonym, group_id))


def load_crisis_term(term_id: int) -> CrisisTerm:
    return _found(get_session().get(CrisisTerm, term_id))


def as_editor() -> dict[str, Any]:
    """Who the directory's services record as making an edit: the signed-in member of staff,
    from their network (``editor=..., network=...``)."""
    actor = current_actor()
    return {"editor": actor.user, "network": actor.network}


def _found(record: Record | None) -> Record:
    if record is None:
        abort(404)
    return record


def _gone(service: Service, error: editing.EditError) -> NoReturn:
    """An item no longer on the service (removed meanwhile): say so, back to the service."""
    flash(" ".join(error.problems.values()))
    abort(redirect(url_for(".edit_service", service_id=service.id)))


def after_change(db: Session, service: Service, others: Iterable[str] = ()) -> None:
    """Keep derived data (the search index) in step with an edit, in the same transaction:
    the service's, and that of the ``others`` (ids) the edit changed too (a shared place)."""
    db.flush()
    reindex(db, [service, *others])


def saved(db: Session, service: Service, message: str, others: Iterable[str] = ()) -> Response:
    """After an accepted edit: keep the index in step, commit, say so, back to the service."""
    after_change(db, service, others)
    db.commit()
    flash(message)
    return redirect(url_for(".edit_service", service_id=service.id))


def remove_item(
    service_id: str, remove: Callable[..., None], item: object, message: str
) -> Response:
    """A delete button on the service page: ``remove(db, service, item, ...)``; 404 if absent."""
    db, service = get_session(), load_service(service_id)
    if EmptyForm().validate_on_submit():
        try:
            remove(db, service, item, **as_editor())
        except editing.EditError:
            abort(404)
        return saved(db, service, message)
    return redirect(url_for(".edit_service", service_id=service.id))


def language_choices() -> dict[str, list[tuple[str, str]]]:
    """The known languages, those most asked for first: 英語（en）..."""
    names = editing.language_names()
    others = sorted((c for c in names if c not in editing.COMMON_LANGUAGES), key=names.get)
    return {
        "よく使う言語": [(c, f"{names[c]}（{c}）") for c in editing.COMMON_LANGUAGES],
        "そのほかの言語": [(c, f"{names[c]}（{c}）") for c in others],
    }


def _language_form() -> LanguageForm:
    form = LanguageForm(prefix="language", formdata=None)
    form.code.choices = language_choices()  # type: ignore[assignment]
    return form


def area_choices() -> list[tuple[str, str]]:
    """The municipality's districts, the municipality, its prefecture and the whole country."""
    profile = current_profile()
    choices = [(f"district:{d}", d) for d in profile.districts]
    choices.append((f"municipality:{profile.name}", f"{profile.name}全域"))
    if profile.prefecture:
        choices.append((f"prefecture:{profile.prefecture}", profile.prefecture))
    choices.append(("national:日本全国", "日本全国"))
    return choices


def _area_form(service: Service, formdata: object = None) -> ServiceAreaForm:
    form = ServiceAreaForm(prefix="areas", formdata=formdata)
    form.areas.choices = area_choices()
    if formdata is None:
        form.areas.data = [f"{a.extent_type}:{a.name}" for a in service.service_areas]
    return form


def edit_page(db: Session, service: Service, form: ServiceForm, **forms) -> tuple[str, int]:
    forms.setdefault("channel_form", ChannelForm(prefix="channel"))
    forms.setdefault("location_form", LocationForm(prefix="location"))
    forms.setdefault("area_form", _area_form(service))
    forms.setdefault("weekly_form", WeeklyHoursForm(prefix="weekly"))
    forms.setdefault("exception_form", ExceptionForm(prefix="exception"))
    forms.setdefault("language_form", _language_form())
    # Active organisations, and the service's own even when archived, to keep it as it is.
    form.organization_id.choices = editing.organization_choices(db, service.organization_id)
    has_errors = form.errors or any(f.errors for f in forms.values())
    return render_template(
        "backoffice/directory/edit_service.html",
        service=service,
        form=form,
        action_form=EmptyForm(),
        history=editing.history(db, service.id),
        describe=editing.describe,
        taps=service_tap_figures(db, service.id, tokyo_today()),
        tap_text=tap_text,
        **forms,
    ), 400 if has_errors else 200


def refused(service: Service, **forms) -> tuple[str, int]:
    """The service page again, with the refused form and its messages; nothing stays changed."""
    db = get_session()
    db.rollback()
    service = load_service(service.id)
    return edit_page(db, service, ServiceForm(obj=service, formdata=None), **forms)
