"""研修・情報交換会: who sees and records which meetings, the required-training list across the
fiscal year, stale edits, follow-up actions and the profile's requirement."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, text
from sqlalchemy.orm import Session, selectinload

from backoffice.staff.actor import Actor
from backoffice.training import history
from backoffice.training.models import Training, TrainingAction, TrainingParticipant
from backoffice.training.records import TrainingError, TrainingValues, create_training
from core import crypto
from core.audit import AuditEvent
from core.db import get_engine, make_engine
from core.profile import ProfileError, profile_from_mapping, read_profile_file
from tests.staff import csrf_token, load_user, make_staff, sign_in
from tests.training import make_training, make_training_with_material, pdf_bytes


def client_for(app: Flask, *roles: str) -> tuple[FlaskClient, int]:
    staff = make_staff(app, *roles)
    client = app.test_client()
    assert sign_in(client, staff).status_code == 302
    return client, staff.id


def post(client: FlaskClient, url: str, data: dict[str, object], *, form_url: str | None = None):
    return client.post(url, data={**data, "csrf_token": csrf_token(client, form_url or url)})


def form_data(**changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "held_on": "2026-06-01",
        "kind": "training",
        "organiser": "npo",
        "title": "ゲートキーパー研修",
        "guests-0-organisation": "京丹後保健所",
        "guests-0-count": "3",
        "notes": "",
    }
    return {**data, **changes}


def trainings(app: Flask) -> list[Training]:
    with Session(get_engine(app)) as session:
        loaded = (selectinload(Training.participants), selectinload(Training.guests))
        return list(session.scalars(select(Training).options(*loaded)))


def events(app: Flask, prefix: str = "training.") -> list[AuditEvent]:
    with Session(get_engine(app)) as session:
        rows = session.scalars(select(AuditEvent).where(AuditEvent.action.startswith(prefix)))
        return list(rows)


# ---- who sees what ----------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["analyst", "editor", "auditor"])
def test_roles_without_training_see_nothing(backoffice_app: Flask, role: str) -> None:
    owner = make_staff(backoffice_app, "coordinator")
    record = make_training(backoffice_app, owner.id)
    client, _ = client_for(backoffice_app, role)
    for url in ("/training/", f"/training/{record}", "/training/required", "/training/new"):
        assert client.get(url).status_code == 403, url
    assert client.get(f"/training/staff/{owner.id}").status_code == 403


def test_admin_sees_the_required_list_and_histories_not_the_records(backoffice_app: Flask) -> None:
    owner = make_staff(backoffice_app, "coordinator")
    record = make_training(backoffice_app, owner.id, participants=[owner.id])
    client, _ = client_for(backoffice_app, "admin")
    assert client.get("/training/required").status_code == 200
    page = client.get(f"/training/staff/{owner.id}").get_data(as_text=True)
    assert "ゲートキーパー研修" in page
    assert client.get(f"/training/{record}").status_code == 403
    assert [e.action for e in events(backoffice_app, "training.history")] == [
        "training.history_read"
    ]


def test_coordinator_sees_every_meeting(backoffice_app: Flask) -> None:
    owner = make_staff(backoffice_app, "coordinator")
    city = make_training(backoffice_app, owner.id, organiser="city", title="市の内部研修")
    client, _ = client_for(backoffice_app, "coordinator")
    assert "市の内部研修" in client.get("/training/?year=2026").get_data(as_text=True)
    assert client.get(f"/training/{city}").status_code == 200


def test_liaison_sees_npo_and_joint_meetings_and_those_they_attended(
    backoffice_app: Flask,
) -> None:
    owner = make_staff(backoffice_app, "coordinator")
    client, liaison = client_for(backoffice_app, "liaison")
    npo = make_training(backoffice_app, owner.id, organiser="npo", title="NPO の研修")
    joint = make_training(backoffice_app, owner.id, organiser="joint", title="共催の交換会")
    attended = make_training(
        backoffice_app, owner.id, organiser="city", title="市の研修（参加）", participants=[liaison]
    )
    city = make_training(backoffice_app, owner.id, organiser="city", title="市の内部研修")
    listing = client.get("/training/?year=2026").get_data(as_text=True)
    for title in ("NPO の研修", "共催の交換会", "市の研修（参加）"):
        assert title in listing
    assert "市の内部研修" not in listing
    for record in (npo, joint, attended):
        assert client.get(f"/training/{record}").status_code == 200
    assert client.get(f"/training/{city}").status_code == 404
    assert client.get(f"/training/{city}/edit").status_code == 404


def test_liaison_cannot_record_a_city_meeting_they_did_not_attend(backoffice_app: Flask) -> None:
    client, liaison = client_for(backoffice_app, "liaison")
    response = post(client, "/training/new", form_data(organiser="city"))
    assert response.status_code == 400
    assert "自分が参加した場合に記録できます" in response.get_data(as_text=True)
    assert trainings(backoffice_app) == []
    response = post(client, "/training/new", form_data(organiser="city", participants=[liaison]))
    assert response.status_code == 302
    assert [t.participant_ids for t in trainings(backoffice_app)] == [[liaison]]


def test_liaison_changes_only_meetings_they_took_part_in_or_recorded(
    backoffice_app: Flask,
) -> None:
    coordinator_client, coordinator = client_for(backoffice_app, "coordinator")
    outsider, _ = client_for(backoffice_app, "liaison")
    member, member_id = client_for(backoffice_app, "liaison")
    recorder, recorder_id = client_for(backoffice_app, "liaison")
    record, material = make_training_with_material(backoffice_app, coordinator)
    detail = f"/training/{record}"
    action = {"text": "資料を各課に回す", "owner_id": str(coordinator), "due_on": "2026-06-30"}
    assert post(coordinator_client, f"{detail}/actions", action, form_url=detail).status_code == 302
    with Session(get_engine(backoffice_app)) as session:
        action_id = session.scalars(select(TrainingAction.id)).one()
        version = session.get(Training, record).version  # type: ignore[union-attr]
    # An NPO meeting the outsider neither attended nor recorded: read, never changed.
    page = outsider.get(detail)
    assert page.status_code == 200
    assert f"{detail}/edit" not in page.get_data(as_text=True)
    assert "/remove" not in page.get_data(as_text=True)
    assert outsider.get(f"{detail}/edit").status_code == 403
    assert outsider.get(f"{detail}/materials/{material}").status_code == 200
    writes = [
        (f"{detail}/edit", {**form_data(title="書き換え"), "version": str(version)}),
        (f"{detail}/materials/{material}/remove", {}),
        (f"{detail}/materials", {"file": (io.BytesIO(pdf_bytes()), "a.pdf")}),
        (f"{detail}/actions", action),
        (f"{detail}/actions/{action_id}/done", {}),
    ]
    for url, data in writes:
        assert post(outsider, url, data, form_url=detail).status_code == 403, url
    with Session(get_engine(backoffice_app)) as session:
        kept = session.get(Training, record)
        assert kept is not None and kept.title == "ゲートキーパー研修"
        assert [m.id for m in kept.materials] == [material]
        assert [(a.id, a.done) for a in kept.actions] == [(action_id, False)]
    # A liaison who took part may change it; so may one who recorded a meeting.
    with Session(get_engine(backoffice_app)) as session, session.begin():
        session.add(TrainingParticipant(training_id=record, staff_user_id=member_id))
    assert member.get(f"{detail}/edit").status_code == 200
    done = post(member, f"{detail}/actions/{action_id}/done", {}, form_url=detail)
    assert done.status_code == 302
    own = make_training(backoffice_app, recorder_id, organiser="joint")
    assert recorder.get(f"/training/{own}/edit").status_code == 200
    assert outsider.get(f"/training/{own}/edit").status_code == 403


# ---- recording --------------------------------------------------------------------------------


def test_recording_a_meeting_is_audited_without_names(backoffice_app: Flask) -> None:
    client, coordinator = client_for(backoffice_app, "coordinator")
    other = make_staff(backoffice_app, "liaison")
    response = post(client, "/training/new", form_data(participants=[coordinator, other.id]))
    assert response.status_code == 302
    (record,) = trainings(backoffice_app)
    assert sorted(record.participant_ids) == sorted([coordinator, other.id])
    assert [(g.organisation, g.count) for g in record.guests] == [("京丹後保健所", 3)]
    assert [e.action for e in events(backoffice_app)] == ["training.create"]
    page = client.get(f"/training/{record.id}").get_data(as_text=True)
    assert f"職員 {other.login}" in page and "京丹後保健所 3人" in page
    edit = f"/training/{record.id}/edit"
    changed = form_data(participants=[coordinator], version=record.version, title="改めた題名")
    assert post(client, edit, changed).status_code == 302
    (update,) = [e for e in events(backoffice_app) if e.action == "training.update"]
    assert update.reason == "changed: title, participants"
    assert other.login not in (update.reason or "")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"title": ""}, "題名を入力してください。"),
        ({"held_on": ""}, "開催日を入力してください。"),
        ({"held_on": "2026-13-01"}, "年-月-日"),
        ({"kind": "party"}, "種類を一覧から選んでください。"),
        ({"guests-0-count": "三"}, "1から9999までの数字"),
        ({"guests-0-organisation": ""}, "機関名も入力してください"),
        ({"participants": "999999"}, "参加した職員を一覧から選んでください。"),
    ],
)
def test_bad_input_is_refused_in_japanese_and_nothing_stored(
    backoffice_app: Flask, changes: dict[str, str], message: str
) -> None:
    client, _ = client_for(backoffice_app, "coordinator")
    response = post(client, "/training/new", form_data(**changes))
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert trainings(backoffice_app) == []
    assert events(backoffice_app) == []


def test_stale_edit_is_refused_and_changes_nothing(backoffice_app: Flask) -> None:
    client, coordinator = client_for(backoffice_app, "coordinator")
    record = make_training(backoffice_app, coordinator)
    edit = f"/training/{record}/edit"
    assert post(client, edit, form_data(title="先に保存", version=1)).status_code == 302
    response = post(client, edit, form_data(title="古い画面から", version=1))
    assert response.status_code == 409
    assert "ほかの人が先に保存しました" in response.get_data(as_text=True)
    (stored,) = trainings(backoffice_app)
    assert stored.title == "先に保存" and stored.version == 2


def test_follow_up_action_with_owner_marked_done(backoffice_app: Flask) -> None:
    client, coordinator = client_for(backoffice_app, "coordinator")
    record = make_training(backoffice_app, coordinator)
    detail = f"/training/{record}"
    bad = post(client, f"{detail}/actions", {"text": "", "owner_id": "0"}, form_url=detail)
    assert bad.status_code == 400
    assert "やることを入力してください。" in bad.get_data(as_text=True)
    data = {"text": "資料を各課に回す", "owner_id": str(coordinator), "due_on": "2026-06-30"}
    assert post(client, f"{detail}/actions", data, form_url=detail).status_code == 302
    with Session(get_engine(backoffice_app)) as session:
        action = session.scalars(select(TrainingAction)).one()
        assert (action.owner_id, action.due_on, action.done) == (
            coordinator,
            date(2026, 6, 30),
            False,
        )
    done = f"{detail}/actions/{action.id}/done"
    assert post(client, done, {}, form_url=detail).status_code == 302
    with Session(get_engine(backoffice_app)) as session:
        assert session.get(TrainingAction, action.id).done is True  # type: ignore[union-attr]
    assert [e.action for e in events(backoffice_app)][-2:] == [
        "training.action_add",
        "training.action_done",
    ]


# ---- free text at rest ------------------------------------------------------------------------


def test_notes_and_action_texts_are_encrypted_at_rest(backoffice_app: Flask) -> None:
    client, coordinator = client_for(backoffice_app, "coordinator")
    form = client.get("/training/new").get_data(as_text=True)
    assert "個人が特定できることは書かないでください。" in form
    notes = "網野の山田さんの件を話した"
    assert post(client, "/training/new", form_data(notes=notes)).status_code == 302
    (record,) = trainings(backoffice_app)
    detail = f"/training/{record.id}"
    action = {"text": "山田さんに連絡する", "owner_id": str(coordinator)}
    assert post(client, f"{detail}/actions", action, form_url=detail).status_code == 302
    page = client.get(detail).get_data(as_text=True)
    assert notes in page and "山田さんに連絡する" in page
    with get_engine(backoffice_app).connect() as connection:
        stored = [
            *connection.execute(text("SELECT notes FROM training")).scalars(),
            *connection.execute(text("SELECT text FROM training_action")).scalars(),
        ]
    assert len(stored) == 2
    assert all(value.startswith(f"{crypto.VERSION}.") for value in stored)
    assert not any("山田" in value for value in stored)


def test_migration_encrypts_notes_already_stored(backoffice_app: Flask, tmp_path: Path) -> None:
    from alembic import command

    from core.migrate import alembic_config
    from tests.conftest import SERVER_URL
    from tests.databases import fresh_database

    assert crypto.keys_configured()  # configured with the app
    with fresh_database(SERVER_URL, tmp_path) as url:
        engine = make_engine(url)
        command.upgrade(alembic_config(engine), "0031")
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO training (id, held_on, kind, organiser, title, notes,"
                    " created_at, updated_at, version) VALUES (7, '2026-06-01', 'training',"
                    " 'npo', '交換会', '山田さんの件', '2026-06-01 00:00:00+00:00',"
                    " '2026-06-01 00:00:00+00:00', 1)"
                )
            )
        command.upgrade(alembic_config(engine), "0032")
        with engine.connect() as connection:
            stored = connection.execute(text("SELECT notes FROM training")).scalar_one()
        engine.dispose()
    assert "山田" not in stored
    assert crypto.decrypt(stored, "training.notes", 7) == "山田さんの件"


# ---- history and the required training --------------------------------------------------------


def test_my_trainings_for_every_account(backoffice_app: Flask) -> None:
    owner = make_staff(backoffice_app, "coordinator")
    client, analyst = client_for(backoffice_app, "analyst")
    make_training(backoffice_app, owner.id, participants=[analyst], title="統計の研修")
    make_training(backoffice_app, owner.id, title="参加しなかった研修")
    page = client.get("/training/mine").get_data(as_text=True)
    assert "統計の研修" in page and "参加しなかった研修" not in page


def test_required_training_counts_by_fiscal_year(backoffice_app: Flask) -> None:
    owner = make_staff(backoffice_app, "coordinator")
    march = make_staff(backoffice_app, "liaison")  # attended on the fiscal year's last day
    april = make_staff(backoffice_app, "supervisor")  # attended on the next year's first day
    exchange = make_staff(backoffice_app, "coordinator")  # only an exchange meeting
    make_staff(backoffice_app, "analyst")  # not a support role: never listed
    make_training(backoffice_app, owner.id, held_on=date(2027, 3, 31), participants=[march.id])
    make_training(backoffice_app, owner.id, held_on=date(2027, 4, 1), participants=[april.id])
    make_training(
        backoffice_app,
        owner.id,
        kind="exchange",
        held_on=date(2026, 5, 1),
        participants=[exchange.id],
    )
    requirement = history.requirement_of(
        read_profile_file(backoffice_app.config["TSUNAGU_SETTINGS"].profile_path)
    )
    with Session(get_engine(backoffice_app)) as session:
        fy2026 = {s.staff.id for s in history.not_attended(session, requirement, 2026)}
        fy2027 = {s.staff.id for s in history.not_attended(session, requirement, 2027)}
    assert fy2026 == {owner.id, april.id, exchange.id}
    assert fy2027 == {owner.id, march.id, exchange.id}
    client, _ = client_for(backoffice_app, "admin")
    page = client.get("/training/required?year=2026").get_data(as_text=True)
    assert f"職員 {april.login}" in page and f"職員 {march.login}" not in page
    assert "2026-04-01〜2027-03-31" in page
    assert client.get("/training/required?year=abc").status_code == 400


def test_fiscal_year_runs_april_to_march() -> None:
    assert history.fiscal_year_of(date(2027, 3, 31)) == 2026
    assert history.fiscal_year_of(date(2027, 4, 1)) == 2027
    assert history.fiscal_year_bounds(2026) == (date(2026, 4, 1), date(2027, 3, 31))


def test_profile_training_section(backoffice_app: Flask) -> None:
    profile = read_profile_file(backoffice_app.config["TSUNAGU_SETTINGS"].profile_path)
    assert profile.training_required_kinds == ("研修",)
    assert profile.training_required_per_fiscal_year == 1
    assert profile.training_material_max_mb == 10
    base = {
        "slug": "x",
        "name": "x",
        "section": "x",
        "phone": "1",
        "dedicated_window": {"name": "x", "channel": "LINE"},
        "emergency": [{"number": "119", "label": "救急"}],
    }
    for bad in (
        {"required_kinds": "研修"},
        {"required_per_fiscal_year": -1},
        {"material_max_mb": 0},
        {"material_max_mb": True},
    ):
        with pytest.raises(ProfileError, match="training"):
            profile_from_mapping({**base, "training": bad})
    odd = profile_from_mapping({**base, "training": {"required_kinds": ["講演会"]}})
    with pytest.raises(history.RequirementError, match="講演会"):
        history.requirement_of(odd)


def test_service_refuses_without_flask(backoffice_app: Flask) -> None:
    staff = make_staff(backoffice_app, "coordinator")
    actor = Actor.of(load_user(backoffice_app, staff.id))
    with Session(get_engine(backoffice_app)) as session:
        with pytest.raises(TrainingError) as refused:
            create_training(session, TrainingValues(held_on=None), actor=actor)
        assert set(refused.value.problems) == {"held_on", "kind", "organiser", "title"}
