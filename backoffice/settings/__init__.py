"""自治体の設定: the municipality profile as administrators edit it in the back office.

Rules only (no Flask): what each value must be (``checks``), and saving an edit against the
version the form was opened on, with an audit event naming the fields changed (``edits``). The
pages live in ``backoffice.views.settings``; the profile itself is ``core.profile``.
"""
