"""The words of a training record, code name to the label staff read (docs/glossary.md)."""

from __future__ import annotations

KIND_LABELS = {"training": "研修", "exchange": "情報交換会", "other": "その他"}
ORGANISER_LABELS = {"npo": "NPO", "city": "市", "joint": "共催"}
# What the NPO organises or attends as an organiser: a liaison sees these meetings.
NPO_ORGANISERS = frozenset({"npo", "joint"})
KIND_BY_LABEL = {label: kind for kind, label in KIND_LABELS.items()}
