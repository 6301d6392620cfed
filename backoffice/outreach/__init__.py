"""Outreach (プッシュ型支援): people the city learns about from related agencies, the visits and
other contacts of the dedicated staff, the guidance cards handed out, and a subject who agrees
to help becoming a referral. Rules only: no Flask, no forms (pages are in
`backoffice.views.outreach`)."""
