"""Notifications: what a member of staff must not miss, without a word about the person.

A new referral, an acknowledgement overdue, an urgent case not contacted in time, a follow-up
due: each becomes one row per recipient (`models`), found by `due` from the case rules of
`backoffice.referrals`, listed in the back office and, when a mail server is configured, mailed
once (`mail`, `outbox`). A notification holds only ids, its kind and the case number: no name,
contact, category or note, in the row as in the mail. No Flask here: `notify send` runs it from
cron, the views read it in a request.
"""
