"""The training area's blueprint and what its pages share: one loader per record (a meeting, a
material, a follow-up action), each answering 404 outside the signed-in user's scope; where the
materials are kept; the profile's requirement; and the body size the upload page accepts.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Flask, abort, current_app, flash, g, redirect, request, url_for
from flask.blueprints import BlueprintSetupState
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from backoffice.staff.models import StaffUser
from backoffice.training.material_checks import MB
from backoffice.training.models import Training, TrainingAction, TrainingMaterial
from backoffice.training.records import staff_choices
from backoffice.training.scopes import find_training, may_change
from backoffice.web.context import current_actor
from backoffice.web.gate import load_staff_user
from core.db import get_session
from core.web import current_profile

bp = Blueprint("training", __name__, url_prefix="/training")
UPLOAD_ENDPOINT = "training.upload_material"
FORM_ALLOWANCE = MB  # the rest of the upload form (token, boundaries) beside the file itself


# ---- loaders ----------------------------------------------------------------------------------


def load_training(training_id: int) -> Training:
    training = find_training(get_session(), training_id, current_actor())
    if training is None:
        abort(404)
    return training


def load_training_to_change(training_id: int) -> Training:
    """The record, for a page that changes it: 404 outside the reader's scope, 403 for a record
    they see but may not change (`scopes.may_change`)."""
    training = load_training(training_id)
    if not may_change(current_actor(), training):
        abort(403)
    return training


def load_material(training: Training, material_id: int) -> TrainingMaterial:
    material = get_session().get(TrainingMaterial, material_id)
    if material is None or material.training_id != training.id:
        abort(404)
    return material


def load_action(training: Training, action_id: int) -> TrainingAction:
    action = get_session().get(TrainingAction, action_id)
    if action is None or action.training_id != training.id:
        abort(404)
    return action


# ---- what the pages share ---------------------------------------------------------------------


def done(training: Training, message: str) -> Response:
    get_session().commit()
    flash(message)
    return redirect(url_for("training.detail", training_id=training.id))


def instance_path() -> Path:
    return Path(current_app.config["TSUNAGU_SETTINGS"].instance_path)


def material_limit() -> int:
    return current_profile().training_material_max_mb * MB


def staff_pairs(db: Session, keep: list[int] | None = None) -> list[tuple[int, str]]:
    return [(u.id, u.display_name) for u in staff_choices(db, keep)]


def staff_names(db: Session) -> dict[int, str]:
    rows = db.execute(select(StaffUser.id, StaffUser.display_name))
    return {row.id: row.display_name for row in rows}


# ---- the upload page's body size --------------------------------------------------------------


def _widen_for_upload() -> None:
    """The upload page alone takes a body as large as the material limit (plus its form), and
    only from a signed-in user who may add materials; every other page, and anyone else, keeps
    the app's limit. Runs before anything that reads the body (the NUL check, the CSRF check),
    so it looks up the signed-in user itself, as the gate will."""
    if request.endpoint != UPLOAD_ENDPOINT:
        return
    load_staff_user()
    user: StaffUser | None = g.get("staff_user")
    if user is None or user.must_change_password or "training.edit" not in user.permissions:
        return
    request.max_content_length = material_limit() + FORM_ALLOWANCE


# ---- the download's own Content-Security-Policy ----------------------------------------------

DOWNLOAD_POLICY = "default-src 'none'; sandbox"


def use_download_policy() -> None:
    """This response (a material, sent as it is) gets the download policy: a PDF a browser opens
    anyway runs nothing and reaches nothing. Error pages on the same address keep the app's."""
    g.training_download_policy = True


def _download_policy_last(response: Response) -> Response:
    """Registered to run after every other after-request step, the security headers included,
    which would otherwise put the pages' policy back."""
    if g.get("training_download_policy"):
        response.headers["Content-Security-Policy"] = DOWNLOAD_POLICY
    return response


@bp.record_once
def _first_before_every_request(state: BlueprintSetupState) -> None:
    app: Flask = state.app
    app.before_request_funcs.setdefault(None, []).insert(0, _widen_for_upload)
    # After-request steps run last registered first: the first in the list runs last.
    app.after_request_funcs.setdefault(None, []).insert(0, _download_policy_last)
