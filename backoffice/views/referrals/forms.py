"""Forms for referrals. They only parse; the rules live in `backoffice.referrals`."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    HiddenField,
    IntegerField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Optional

from backoffice.referrals.casework import CONTACT_RESULTS
from backoffice.referrals.timeline import CONTACT_LABELS, EMERGENCY_LABELS
from backoffice.referrals.workflow import END_REASONS, OPEN_TASK_CHOICES
from backoffice.web.forms import (
    DATE_MESSAGE,
    DATETIME_FORMAT,
    DATETIME_MESSAGE,
    Checkboxes,
    Select,
    at_most,
    choices,
    plausible,
)

SOURCE_LABELS = {"line": "LINE", "chat": "チャット", "phone": "電話", "other": "その他"}
RISK_LABELS = {"high": "高い", "medium": "中くらい", "low": "低い"}
AGE_LABELS = {
    "not_stated": "不明・答えたくない", "under_20": "20歳未満", "20s": "20代", "30s": "30代",
    "40s": "40代", "50s": "50代", "60s": "60代", "70_plus": "70歳以上",
}  # fmt: skip
GENDER_LABELS = {
    "not_stated": "答えない・不明",
    "female": "女性",
    "male": "男性",
    "other": "その他",
}
METHOD_LABELS = {"not_stated": "希望なし", "phone": "電話", "line": "LINE", "email": "メール"}
CONSENT_METHOD_LABELS = {
    "line": "LINEで", "chat": "チャットで", "phone": "電話で", "in_person": "対面で",
    "other": "その他",
}  # fmt: skip
CONSENTED_BY_LABELS = {"self": "本人", "guardian": "保護者・代理人"}


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
    risk_level = Select("リスクの程度", choices=choices(RISK_LABELS))
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
    end_reason = Select(
        "支援終了の理由",
        choices=choices([("", "（終了のときに選ぶ）"), *END_REASONS.items()]),
        validate_choice=False,  # the workflow checks it, with its own message
    )
    open_tasks = Select(
        "未完了のタスク（支援終了のとき）",
        choices=choices([("", "（未完了のタスクがあるときに選ぶ）"), *OPEN_TASK_CHOICES.items()]),
        validate_choice=False,  # the workflow checks it, with its own message
    )
    reason = TextAreaField("変更の理由・補足（任意）", validators=[at_most(2000)])


class AssignForm(VersionForm):
    assigned_to = Select("担当する専任職員", coerce=int)


class MemberForm(FlaskForm):
    staff_user = Select("追加するつなぎ支援員", coerce=int)


class NoteForm(FlaskForm):
    body = TextAreaField("経過の記録", validators=[at_most(4000)])
    shared = BooleanField("つなぎ支援員（NPO）にも見せる")


class ContactForm(FlaskForm):
    attempted_at = DateTimeLocalField(
        "日時",
        format=DATETIME_FORMAT,
        invalid_value_message=DATETIME_MESSAGE,
        validators=[InputRequired("日時を入力してください。"), plausible],
    )
    method = Select("方法", choices=choices([(k, v) for k, v in METHOD_LABELS.items()
                                      if k != "not_stated"]))  # fmt: skip
    result = Select("結果", choices=choices([(k, CONTACT_LABELS[k]) for k in CONTACT_RESULTS]))
    note = TextAreaField("メモ（任意）", validators=[at_most(4000)])


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

    q = StringField("事例番号", validators=[Optional(), at_most(20)])
    status = Select("状態", validators=[Optional()])
    assigned_to = Select("担当", validators=[Optional()])
    district = Select("地区", validators=[Optional()])
    risk = Select("リスク", validators=[Optional()])
    received_from = DateField(
        "受付日（から）", invalid_value_message=DATE_MESSAGE, validators=[Optional(), plausible]
    )
    received_to = DateField(
        "受付日（まで）", invalid_value_message=DATE_MESSAGE, validators=[Optional(), plausible]
    )
    page = IntegerField(
        invalid_value_message="ページは数字で指定してください。", validators=[Optional()]
    )
