"""The profile's fields that administrators edit, in the order the page shows them, with the
label staff read. The others (slug, prefecture, districts, sources) come from the profile file
only: they say which municipality this is and where its facts were found."""

from __future__ import annotations

LABELS = {
    "name": "自治体名",
    "name_en": "自治体名（英語）",
    "section": "担当課",
    "section_en": "担当課（英語）",
    "phone": "担当課の電話番号",
    "fax": "担当課のFAX番号",
    "address": "担当課の住所",
    "address_needs_check": "住所は確認が必要",
    "partner_name": "連携するNPO",
    "dedicated_window_name": "専用相談窓口の名前",
    "dedicated_window_name_en": "専用相談窓口の名前（英語）",
    "dedicated_window_channel": "専用相談窓口の手段",
    "dedicated_window_url": "専用相談窓口のアドレス（LINEのリンクなど）",
    "dedicated_window_hours": "専用相談窓口の受付時間",
    "emergency_numbers": "緊急時の連絡先",
    "retention_years": "記録の保存年数",
    "statistics_minimum_batch": "数字を示す最小の件数",
    "statistics_publication_threshold": "公表で伏せる件数の境目",
    "training_required_kinds": "必須の研修に数える種類",
    "training_required_per_fiscal_year": "年度ごとの必須の研修の回数",
    "training_material_max_mb": "研修資料の最大サイズ（MB）",
    "partner_origins": "ウィジェットを載せる連携先サイト",
}
EDITABLE = tuple(LABELS)

# Longest text per field, in characters: room for a real value, not for pasted paragraphs.
LIMITS = {
    "name": 40,
    "name_en": 80,
    "section": 80,
    "section_en": 160,
    "address": 120,
    "partner_name": 80,
    "dedicated_window_name": 60,
    "dedicated_window_name_en": 120,
    "dedicated_window_channel": 20,
    "dedicated_window_url": 500,
    "dedicated_window_hours": 100,
}
REQUIRED = frozenset(
    {"name", "section", "phone", "dedicated_window_name", "dedicated_window_channel"}
)
EMERGENCY_ROWS = 5
EMERGENCY_LABEL_LIMIT = 20
EMERGENCY_LABEL_EN_LIMIT = 40
# Whole numbers: (least, most). The lower bounds are what the rules reading them need (the
# profile file checks the same); the upper ones only catch a typing slip (500 years, 5,000).
WHOLE_NUMBERS = {
    "retention_years": (1, 30),
    "statistics_minimum_batch": (1, 1000),
    "statistics_publication_threshold": (2, 100),
    "training_required_per_fiscal_year": (0, 12),
    "training_material_max_mb": (1, 100),
}
