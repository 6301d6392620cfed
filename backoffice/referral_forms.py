"""Forms for referrals. They only parse; the rules live in `backoffice.referrals`."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from backoffice.referrals.casework import CONTACT_RESULTS
from backoffice.referrals.timeline import CONTACT_LABELS, EMERGENCY_LABELS
from backoffice.referrals.workflow import END_REASONS

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
DATETIME_FORMAT = "%Y-%m-%dT%H:%M"
YEARS = (2000, 2100)


def plausible(form: Any, field: Any) -> None:
    """A date or date-time within this century: anything else is a typing slip."""
    if field.data is not None and not YEARS[0] <= field.data.year < YEARS[1]:
        raise ValidationError("日付が正しくありません。西暦で入力してください。")


def number(raw: str | None, *, digits: int = 9) -> int | None:
    """A plain non-negative number from a form or URL value, or None (no ², no 5,000 digits)."""
    if raw and raw.isascii() and raw.isdigit() and len(raw) <= digits:
        return int(raw)
    return None


class Checkboxes(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def choices(pairs: Any) -> list[SelectChoice]:
    """Form choices from (value, label) pairs or a dict of labels."""
    items = pairs.items() if isinstance(pairs, dict) else pairs
    return [SelectChoice(value, label) for value, label in items]


class IntakeForm(FlaskForm):
    # The handoff.
    received_at = DateTimeLocalField(
        "受付日時",
        format=DATETIME_FORMAT,
        validators=[InputRequired("受付日時を入力してください。"), plausible],
    )
    source_channel = SelectField("相談の経路", choices=choices(SOURCE_LABELS))
    # The person.
    person_name = StringField("名前（仮名でもかまいません。任意）", validators=[Length(max=200)])
    person_kana = StringField("よみがな（任意）", validators=[Length(max=200)])
    pseudonym = BooleanField("仮名である")
    age_band = SelectField("年代", choices=choices(AGE_LABELS))
    gender = SelectField("性別", choices=choices(GENDER_LABELS))
    district = SelectField("お住まいの地区")
    phone = StringField("電話番号", validators=[Length(max=40)])
    line_name = StringField("LINEの表示名", validators=[Length(max=200)])
    email = StringField("メールアドレス", validators=[Length(max=254)])
    preferred_method = SelectField("希望する連絡方法", choices=choices(METHOD_LABELS))
    preferred_times = StringField("連絡してよい時間帯", validators=[Length(max=200)])
    callback_may_identify = BooleanField("電話をかけたとき、市の職員であると名乗ってよい")
    # Intake and assessment.
    problem_categories = Checkboxes("相談の内容（分野）")
    risk_level = SelectField("リスクの程度", choices=choices(RISK_LABELS))
    urgent = BooleanField("緊急（すぐに連絡が必要）")
    wants = TextAreaField("本人が望んでいること", validators=[Length(max=4000)])
    summary = TextAreaField("相談の概要", validators=[Length(max=4000)])
    assessment = TextAreaField("アセスメント", validators=[Length(max=4000)])
    # Consent: no consent, no handoff.
    consent_given = BooleanField("本人から、市に引き継ぐことについて同意を得た")
    consented_by = SelectField("同意した人", choices=choices(CONSENTED_BY_LABELS))
    consented_at = DateTimeLocalField(
        "同意を得た日時", format=DATETIME_FORMAT, validators=[Optional(), plausible]
    )
    consent_method = SelectField("同意を得た方法", choices=choices(CONSENT_METHOD_LABELS))
    share_basic = BooleanField("基本情報を共有してよい（名前・連絡先・年代など）", default=True)
    share_summary = BooleanField("相談の概要を共有してよい")
    share_assessment = BooleanField("アセスメントを共有してよい")
    agencies = TextAreaField(
        "共有してよい関係機関（1行に1つ。任意）", validators=[Length(max=4000)]
    )
    consent_wording = TextAreaField("本人に示した同意の文言", validators=[Length(max=2000)])
    confirm_duplicate = BooleanField("同じ連絡先の記録があることを確認したうえで登録する")


class VersionForm(FlaskForm):
    version = HiddenField()


class StatusForm(VersionForm):
    status = SelectField("新しい状態")
    end_reason = SelectField(
        "支援終了の理由",
        choices=choices([("", "（終了のときに選ぶ）"), *END_REASONS.items()]),
        validate_choice=False,  # the workflow checks it, with its own message
    )
    reason = TextAreaField("変更の理由・補足（任意）", validators=[Length(max=2000)])


class AssignForm(VersionForm):
    assigned_to = SelectField("担当する専任職員", coerce=int)


class MemberForm(FlaskForm):
    staff_user = SelectField("追加するつなぎ支援員", coerce=int)


class NoteForm(FlaskForm):
    body = TextAreaField("経過の記録", validators=[Length(max=4000)])
    shared = BooleanField("つなぎ支援員（NPO）にも見せる")


class ContactForm(FlaskForm):
    attempted_at = DateTimeLocalField(
        "日時",
        format=DATETIME_FORMAT,
        validators=[InputRequired("日時を入力してください。"), plausible],
    )
    method = SelectField("方法", choices=choices([(k, v) for k, v in METHOD_LABELS.items()
                                           if k != "not_stated"]))  # fmt: skip
    result = SelectField("結果", choices=choices([(k, CONTACT_LABELS[k]) for k in CONTACT_RESULTS]))
    note = TextAreaField("メモ（任意）", validators=[Length(max=4000)])


class EmergencyForm(FlaskForm):
    acted_at = DateTimeLocalField(
        "日時",
        format=DATETIME_FORMAT,
        validators=[InputRequired("日時を入力してください。"), plausible],
    )
    kind = SelectField("対応", choices=choices(EMERGENCY_LABELS))
    outcome = TextAreaField("結果", validators=[Length(max=4000)])


class WithdrawForm(FlaskForm):
    note = TextAreaField("撤回の経緯（任意）", validators=[Length(max=2000)])


class FollowUpForm(FlaskForm):
    held_on = DateField(
        "フォローアップの日", validators=[InputRequired("日付を入力してください。"), plausible]
    )
    result = TextAreaField("結果", validators=[Length(max=2000)])


class SearchForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search changes nothing

    q = StringField("事例番号", validators=[Optional(), Length(max=20)])
    status = SelectField("状態", validators=[Optional()])
    assigned_to = SelectField("担当", validators=[Optional()])
    district = SelectField("地区", validators=[Optional()])
    risk = SelectField("リスク", validators=[Optional()])
    received_from = DateField("受付日（から）", validators=[Optional(), plausible])
    received_to = DateField("受付日（まで）", validators=[Optional(), plausible])
    page = IntegerField(validators=[Optional()])
