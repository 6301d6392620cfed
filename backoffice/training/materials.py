"""Materials of a training record: PDF files only, checked by their content
(`backoffice.training.material_checks`), kept outside the web root under the instance folder by
a random name, and handed back only as a download. The name a browser gave is kept only to be
shown and to name the download, never as a path.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import secrets
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.orm import Session

from backoffice.staff.actor import Actor
from backoffice.training.material_checks import problem_with
from backoffice.training.models import Training, TrainingMaterial
from backoffice.training.records import TrainingError
from backoffice.training.trail import record_training_event

FOLDER = "training-materials"
FILENAME_LIMIT = 150
MAX_MATERIALS = 20
STORED_NAME = re.compile(r"^[0-9a-f]{32}$")


@dataclass(frozen=True)
class Upload:
    filename: str
    data: bytes


def folder(instance_path: Path) -> Path:
    return instance_path / FOLDER


def path_of(instance_path: Path, material: TrainingMaterial) -> Path:
    if not STORED_NAME.match(material.stored_name):  # never a path from anywhere else
        raise ValueError("not a stored material name")
    return folder(instance_path) / material.stored_name


def display_name(raw: str) -> str:
    """The name to show and download under: the last part of whatever path came, without
    control characters or leading dots, ending in .pdf."""
    name = unicodedata.normalize("NFC", raw or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C").strip().lstrip(".")
    if not name.lower().endswith(".pdf"):
        name = (name + ".pdf") if name else "資料.pdf"
    if len(name) > FILENAME_LIMIT:
        name = name[: FILENAME_LIMIT - 4] + ".pdf"
    return name


def add_material(
    session: Session,
    training: Training,
    upload: Upload,
    *,
    instance_path: Path,
    max_bytes: int,
    actor: Actor,
) -> TrainingMaterial:
    """Check and keep one PDF; on any problem nothing is written, to disk or database."""
    if len(training.materials) >= MAX_MATERIALS:
        raise TrainingError({"file": f"資料は1件の記録に{MAX_MATERIALS}件までです。"})
    problem = problem_with(upload.data, max_bytes=max_bytes)
    if problem:
        raise TrainingError({"file": problem})
    stored_name = secrets.token_hex(16)
    material = TrainingMaterial(
        training=training,
        stored_name=stored_name,
        filename=display_name(upload.filename),
        size=len(upload.data),
        sha256=hashlib.sha256(upload.data).hexdigest(),
        uploaded_by_id=actor.id,
    )
    target = path_of(instance_path, material)
    _write(target, upload.data)
    try:
        session.add(material)
        session.flush()
        record_training_event(
            session,
            "training.material_add",
            material.id,
            actor,
            object_type="training_material",
            reason=f"training {training.id}",
        )
    except Exception:
        target.unlink(missing_ok=True)
        raise
    return material


def _write(target: Path, data: bytes) -> None:
    target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    partial = target.with_suffix(".partial")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)
    os.replace(partial, target)


def record_download(session: Session, material: TrainingMaterial, *, actor: Actor) -> None:
    record_training_event(
        session,
        "training.material_download",
        material.id,
        actor,
        object_type="training_material",
        reason=f"training {material.training_id}",
    )


def remove_material(
    session: Session, material: TrainingMaterial, *, instance_path: Path, actor: Actor
) -> Path:
    """Delete the row (audited); returns the file, which the caller removes once committed (a
    failed commit then leaves the row and its file as they were)."""
    target = path_of(instance_path, material)
    record_training_event(
        session,
        "training.material_remove",
        material.id,
        actor,
        object_type="training_material",
        reason=f"training {material.training_id}",
    )
    session.delete(material)
    session.flush()
    return target


def discard(target: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        target.unlink()
