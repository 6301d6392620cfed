"""Case records: everything on one referral exported for a disclosure request or a transfer,
and the anonymisation of a case once its retention period is over.

`specs` says what the record holds and how each value is shown, `case_record` builds the one
structure both file formats render, `export` writes the file (with its reason) and `anonymise`
clears a case for good.
"""

from backoffice.referrals.records.anonymise import anonymise_referral
from backoffice.referrals.records.case_record import FORMAT, case_record
from backoffice.referrals.records.export import (
    FORMATS,
    PERSONAL_REASON,
    REASON_LIMIT,
    Export,
    RecordsError,
    export_case,
    mentions_person,
)

__all__ = [
    "FORMAT",
    "FORMATS",
    "PERSONAL_REASON",
    "REASON_LIMIT",
    "Export",
    "RecordsError",
    "anonymise_referral",
    "case_record",
    "export_case",
    "mentions_person",
]
