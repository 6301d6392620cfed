"""Forms for referrals: the case, its actions, its export and legal hold. They only parse; the
rules live in `backoffice.referrals`."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    HiddenField,
    IntegerField,
    RadioField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length, Optional

from backoffice.referrals import records, retention
from backoffice.referrals.models import Referral
from backoffice.referrals.vocabulary import (
    AGE_LABELS,
    ATTEMPT_METHOD_LABELS,
    CONSENT_METHOD_LABELS,
    CONSENTED_BY_LABELS,
    CONTACT_LABELS,
    EMERGENCY_LABELS,
    END_REASONS,
    GENDER_LABELS,
    METHOD_LABELS,
    OPEN_TASK_CHOICES,
    RISK_LABELS,
    SOURCE_LABELS,
)
from backoffice.web.forms import (
    DATE_MESSAGE,
    DATETIME_FORMAT,
    DATETIME_MESSAGE,
    BlankableDateField,
    Checkboxes,
    Select,
    VersionField,
    at_most,
    choices,
    plausible,
)

# The first entry of a list whose choice is a judgement (the risk, who takes the case, what a
# contact gave): nothing is chosen for the user.
CHOOSE = ("", "選んでください")


def staff_id(value: object) -> int | None:
    """A staff member's id from a list, or None for the prompt (a WTForms ``coerce``)."""
    if value is None or value == "":
        return None
    return int(str(value))


class IntakeForm(FlaskForm):
    # The handoff.
    received_at = DateTimeLocalField(
        "受付日時",
        format=DATETIME_FORMAT,
        invalid_value_message=DATETIME_MESSAGE,
        validators=[InputRequired("受付日時を入力してください。"), plausible],
    )
    source_channel = Select("相談の経路", choices=choices(SOURCE_LABELS))
    # The person.
    person_name = StringField("名前（仮名でもかまいません。任意）", validators=[at_most(200)])
    person_kana = StringField("よみがな（任意）", validators=[at_most(200)])
    pseudonym = BooleanField("仮名である")
    age_band = Select("年代", choices=choices(AGE_LABELS))
    gender = Select("性別", choices=choices(GENDER_LABELS))
    district = Select("お住まいの地区")
    phone = StringField("電話番号", validators=[at_most(40)])
    line_name = StringField("LINEの表示名", validators=[at_most(200)])
    email = StringField("メールアドレス", validators=[at_most(254)])
    preferred_method = Select("希望する連絡方法", choices=choices(METHOD_LABELS))
    preferred_times = StringField("連絡してよい時間帯", validators=[at_most(200)])
    callback_may_identify = BooleanField("電話をかけたとき、市の職員であると名乗ってよい")
    # Intake and assessment.
    problem_categories = Checkboxes("相談の内容（分野）")
    risk_level = Select("リスクの程度", choices=choices([CHOOSE, *RISK_LABELS.items()]))
    urgent = BooleanField("緊急（すぐに連絡が必要）")
    wants = TextAreaField("本人が望んでいること", validators=[at_most(4000)])
    summary = TextAreaField("相談の概要", validators=[at_most(4000)])
    assessment = TextAreaField("アセスメント", validators=[at_most(4000)])
    # Consent: no consent, no handoff. What a box leaves unticked is not stored at all
    # (`backoffice.referrals.sharing`), so each label names its fields.
    consent_given = BooleanField("本人から、市に引き継ぐことについて同意を得た")
    consented_by = Select("同意した人", choices=choices(CONSENTED_BY_LABELS))
    consented_at = DateTimeLocalField(
        "同意を得た日時",
        format=DATETIME_FORMAT,
        invalid_value_message=DATETIME_MESSAGE,
        validators=[Optional(), plausible],
    )
    consent_method = Select("同意を得た方法", choices=choices(CONSENT_METHOD_LABELS))
    share_basic = BooleanField(
        "基本情報を市と共有する（名前・よみがな・連絡先・年代・性別・地区・連絡の希望）",
        default=True,
    )
    share_summary = BooleanField("相談の概要を市と共有する（本人が望んでいること・相談の概要）")
    share_assessment = BooleanField("アセスメントを市と共有する（アセスメントの記述）")
    agencies = TextAreaField("共有してよい関係機関（1行に1つ。任意）", validators=[at_most(4000)])
    consent_wording = TextAreaField("本人に示した同意の文言", validators=[at_most(2000)])


class VersionForm(FlaskForm):
    version = HiddenField()


class StatusForm(VersionForm):
    status = Select("新しい状態")
    reason = TextAreaField("変更の理由・補足（任意）", validators=[at_most(2000)])


class EndForm(VersionForm):
    """The end of support: why, what help was arranged, when the follow-up falls due. Posted to
    the status change with ``status=ended``."""

    status = HiddenField(default="ended")
    end_reason = Select(
        "終了の理由",
        choices=choices([CHOOSE, *END_REASONS.items()]),
        validate_choice=False,  # the workflow checks it, with its own message
    )
    closing_summary = TextAreaField(
        "支援のまとめ（つないだ先と、どんな支援が決まったか）", validators=[at_most(2000)]
    )
    follow_up_due_on = BlankableDateField("フォローアップ期日", validators=[plausible])
    open_tasks = Select(
        "未完了のタスク",
        choices=choices([CHOOSE, *OPEN_TASK_CHOICES.items()]),
        validate_choice=False,  # the workflow checks it, with its own message
    )
    reason = TextAreaField("補足（任意）", validators=[at_most(2000)])


class AssignForm(VersionForm):
    assigned_to = Select(
        "担当する専任職員",
        coerce=staff_id,
        validators=[InputRequired("担当する専任職員を一覧から選んでください。")],
    )


class MemberForm(FlaskForm):
    staff_user = Select("追加するつなぎ支援員", coerce=int)


class NoteForm(FlaskForm):
    body = TextAreaField("経過記録", validators=[at_most(4000)])
    shared = BooleanField("つなぎ支援員と共有する（NPOのつなぎ支援員も読めます）")


class ContactForm(FlaskForm):
    attempted_at = DateTimeLocalField(
        "日時",
        format=DATETIME_FORMAT,
        invalid_value_message=DATETIME_MESSAGE,
        validators=[InputRequired("日時を入力してください。"), plausible],
    )
    method = Select("方法", choices=choices(ATTEMPT_METHOD_LABELS))
    result = Select("結果", choices=choices([CHOOSE, *CONTACT_LABELS.items()]))
    note = TextAreaField("メモ（任意）", validators=[at_most(4000)])
    # Offered beside the attempt (`timeline.contact_offers`): the first ticked, the second not.
    to_first_contact = BooleanField("あわせて状態を『初回連絡』にする", default=True)
    to_unreachable = BooleanField("あわせて状態を『連絡不能』にする")
    version = VersionField()


class EmergencyForm(FlaskForm):
    acted_at = DateTimeLocalField(
        "日時",
        format=DATETIME_FORMAT,
        invalid_value_message=DATETIME_MESSAGE,
        validators=[InputRequired("日時を入力してください。"), plausible],
    )
    kind = Select("対応", choices=choices(EMERGENCY_LABELS))
    outcome = TextAreaField("結果", validators=[at_most(4000)])


class WithdrawForm(FlaskForm):
    note = TextAreaField("撤回の経緯（任意）", validators=[at_most(2000)])


class ExtendSharingForm(FlaskForm):
    """The person has since agreed to share more with the city (choices: the parts not shared)."""

    parts = Checkboxes("新たに市と共有してよいと同意を得た情報")
    confirmed = BooleanField("本人から、選んだ情報を市と共有することについて新たに同意を得た")


class FollowUpForm(FlaskForm):
    held_on = DateField(
        "フォローアップの日",
        invalid_value_message=DATE_MESSAGE,
        validators=[InputRequired("日付を入力してください。"), plausible],
    )
    result = TextAreaField("結果", validators=[at_most(2000)])


class SearchForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search changes nothing

    q = StringField("案件番号", validators=[Optional(), at_most(20)])
    status = Select("状態", validators=[Optional()])
    assigned_to = Select("担当者", validators=[Optional()])
    district = Select("地区", validators=[Optional()])
    risk = Select("リスク", validators=[Optional()])
    received_from = DateField(
        "受付日（から）", invalid_value_message=DATE_MESSAGE, validators=[Optional(), plausible]
    )
    received_to = DateField(
        "受付日（まで）", invalid_value_message=DATE_MESSAGE, validators=[Optional(), plausible]
    )
    due = Select(
        "次の期限",
        choices=[
            SelectChoice("", "すべて"),
            SelectChoice("overdue", "期限を過ぎている"),
            SelectChoice("today", "今日まで"),
            SelectChoice("week", "7日以内"),
        ],
        validators=[Optional()],
    )
    sort = Select(
        "並べ順",
        choices=[
            SelectChoice("received", "受付が新しい順"),
            SelectChoice("due", "次の期限が近い順"),
        ],
        validators=[Optional()],
    )
    view = HiddenField(  # the "my work" list
        validators=[Optional(), AnyOf(["mine"], message="一覧の種類が正しくありません。")]
    )
    page = IntegerField(
        invalid_value_message="ページは数字で指定してください。", validators=[Optional()]
    )


# ---- case records: export and legal hold ------------------------------------------------------

HOLD_PREFIX = "legal_hold"
REASON_HINT = _l("記録に残ります。氏名など個人を特定できる情報は書かないでください。")


class ExportForm(FlaskForm):
    reason = TextAreaField(
        _l("書き出す理由（開示請求への対応、他の自治体への移管など）"),
        validators=[
            DataRequired(_l("書き出す理由を入力してください。")),
            Length(max=records.REASON_LIMIT),
        ],
    )
    file_format = RadioField(
        _l("形式"),
        choices=[
            SelectChoice("pdf", _l("PDF（印刷・開示用）")),
            SelectChoice("json", _l("JSON（移管用）")),
        ],
        default="pdf",
        validators=[DataRequired(_l("形式を選んでください。"))],
    )


class LegalHoldForm(FlaskForm):
    """Prefixed, so it can sit on a page beside another form with a reason field."""

    state = HiddenField(validators=[AnyOf(["1", "0"])])  # the state asked for, not a toggle
    reason = TextAreaField(
        _l("理由"),
        validators=[
            DataRequired(_l("理由を入力してください。")),
            Length(max=retention.REASON_LIMIT),
        ],
    )


def legal_hold_form(referral: Referral) -> LegalHoldForm:
    """The form that flips the case's hold, for the case page (see records/_legal_hold.html)."""
    return LegalHoldForm(
        prefix=HOLD_PREFIX, formdata=None, state="0" if referral.legal_hold else "1"
    )
