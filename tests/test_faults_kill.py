"""``kill -9`` in the middle of writes: nothing half-written, the audit chain intact, and the
next process works.

A separate process (this module run with ``python -m``) writes through the real services into
the suite's database: cases (with their consent, encrypted fields and audit event), card scans
and directory imports, each in its own transaction as the pages and commands make them. The
test kills it with SIGKILL, once while it holds a transaction open with everything flushed, once
wherever it happens to be, then checks what the database holds.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from backoffice.referrals.models import Consent, Referral
from cards.batches import standing_batch
from cards.models import ScanCount
from core.audit import AuditEvent, verify_chain
from core.config import Settings
from directory.hsds.dataset import export_dataset
from directory.models import Service
from tests.conftest import TEST_AUDIT_KEY, TEST_BLIND_INDEX_KEY, TEST_DATA_KEYS
from tests.referrals import PERSON_NAME, make_referral
from tests.staff import make_staff

ROOT = Path(__file__).resolve().parent.parent
CHANGED = "（改訂）"  # added to every service name by the second file


@dataclass
class Job:
    url: str
    staff_id: int
    batch_id: int
    files: tuple[Path, Path]  # the directory as it is, and with every name changed
    started: list[subprocess.Popen[str]] = field(default_factory=list)

    def start(self, *steps: str) -> subprocess.Popen[str]:
        arguments = [self.url, str(self.staff_id), str(self.batch_id), *map(str, self.files)]
        process = subprocess.Popen(
            [sys.executable, "-m", "tests.test_faults_kill", *arguments, *steps],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        self.started.append(process)
        return process


@pytest.fixture
def job(backoffice_app: Flask, demo: Session, settings: Settings, tmp_path: Path) -> Iterator[Job]:
    data = export_dataset(demo, public=False)
    plain, changed = tmp_path / "directory.json", tmp_path / "changed.json"
    plain.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    for service in data["services"]:
        service["name"] += CHANGED
    changed.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    batch = standing_batch(demo)
    assert batch is not None
    staff = make_staff(backoffice_app, "coordinator")
    job = Job(settings.database_url, staff.id, batch.id, (plain, changed))
    yield job
    for process in job.started:  # a test that failed before its kill leaves none running
        if process.poll() is None:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()


def read_until(process: subprocess.Popen[str], wanted: str, count: int = 1) -> list[str]:
    assert process.stdout is not None
    lines: list[str] = []
    while sum(line.startswith(wanted) for line in lines) < count:
        line = process.stdout.readline()
        assert line, f"the writer ended early: {lines}"
        lines.append(line.strip())
    return lines


def kill(process: subprocess.Popen[str]) -> None:
    process.send_signal(signal.SIGKILL)
    assert process.wait() == -signal.SIGKILL


def check_whole(engine: Engine) -> dict[str, int]:
    """Every case with its consent, its audit event and a readable name; the chain verifies."""
    with Session(engine) as session:
        cases = session.execute(select(Referral.id, Referral.person_name)).all()
        consents = set(session.scalars(select(Consent.referral_id)))
        created = set(
            session.scalars(
                select(AuditEvent.object_id).where(AuditEvent.action == "referral.create")
            )
        )
        assert all(name == PERSON_NAME for _, name in cases)  # decrypts: bound to its row
        assert {case_id for case_id, _ in cases} == consents
        assert {str(case_id) for case_id, _ in cases} == created
        names = session.scalars(select(Service.name)).all()
        changed = [name for name in names if name.endswith(CHANGED)]
        assert changed in ([], names)  # an import is all of it or none of it
        verified = verify_chain(session)
        assert verified.ok, verified.problem
        scans = session.scalar(select(func.coalesce(func.sum(ScanCount.count), 0)))
        imports = session.scalar(
            select(func.count()).where(AuditEvent.action == "directory.import")
        )
        return {"cases": len(cases), "scans": scans or 0, "imports": imports or 0}


def test_writers_killed_mid_write_leave_whole_records_and_the_next_one_works(
    job: Job, clean_db: Engine, backoffice_app: Flask
) -> None:
    # Killed holding a transaction, a case, a scan and two imports flushed and not committed.
    writer = job.start("loop:3", "hold")
    lines = read_until(writer, "holding")
    kill(writer)
    assert sum(line.startswith("case ") for line in lines) == 3
    assert check_whole(clean_db) == {"cases": 3, "scans": 3, "imports": 1}  # nothing held

    # The next process writes at once (no lock left behind); killed wherever it is.
    writer = job.start("loop:1000")
    lines = read_until(writer, "case ", count=4)  # and now well into the next ones
    kill(writer)
    done = 3 + sum(line.startswith("case ") for line in lines)
    counts = check_whole(clean_db)
    assert counts["cases"] in (done, done + 1)  # the one after may have committed unannounced

    # And after that kill, a write goes through here too, on the same database.
    make_referral(backoffice_app, job.staff_id)
    assert check_whole(clean_db)["cases"] == counts["cases"] + 1


# The writer, run as `python -m tests.test_faults_kill URL STAFF BATCH PLAIN CHANGED STEPS...`.


def _write(arguments: list[str]) -> None:
    from backoffice import create_app
    from backoffice.referrals.intake import create_referral
    from backoffice.staff.actor import Actor
    from cards.batches import count_scan
    from core import audit
    from core.db import get_engine
    from directory.hsds.files import read_dataset
    from directory.hsds.importer import import_dataset
    from directory.search.reindex import reindex
    from tests.referrals import DISTRICTS, intake
    from tests.staff import load_user

    url, staff_id, batch_id, plain, changed, *steps = arguments
    settings = Settings(
        env="test", instance_path=Path(plain).parent / "writer", database_url=url,
        data_keys=TEST_DATA_KEYS, blind_index_key=TEST_BLIND_INDEX_KEY, audit_key=TEST_AUDIT_KEY,
        public_secret_key="p" * 40, backoffice_secret_key="b" * 40,
    )  # fmt: skip
    app = create_app(settings)
    creator = Actor.of(load_user(app, int(staff_id)))
    engine = get_engine(app)

    def directory_import(session: Session, path: str) -> None:
        data, unreadable = read_dataset(Path(path))
        assert not unreadable and import_dataset(session, data).ok
        reindex(session, [service["id"] for service in data["services"]])
        audit.record(session, action="directory.import", object_type="directory")

    def one_of_each(session: Session, number: int) -> None:
        case = create_referral(session, intake(), creator=creator, districts=DISTRICTS)
        count_scan(session, int(batch_id))
        if number % 3 == 0:
            directory_import(session, plain)
        print(f"flushed {case.id}")

    for step in steps:
        if step.startswith("loop:"):
            for number in range(int(step.removeprefix("loop:"))):
                # Each write in its own transaction, as each page and command makes it.
                with Session(engine) as session, session.begin():
                    case = create_referral(session, intake(), creator=creator, districts=DISTRICTS)
                    case_id = case.id
                print(f"case {case_id}")  # committed
                with Session(engine) as session, session.begin():
                    count_scan(session, int(batch_id))
                print("scan")
                if number % 3 == 0:
                    with Session(engine) as session, session.begin():
                        directory_import(session, plain)
                    print("import")
        elif step == "hold":
            session = Session(engine)
            session.begin()
            one_of_each(session, 0)
            directory_import(session, changed)
            session.flush()
            print("holding")
            time.sleep(600)  # killed here, everything flushed and nothing committed


if __name__ == "__main__":
    _write(sys.argv[1:])
