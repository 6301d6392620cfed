"""Permissions and roles: the one place that says who may do what in the back office.

A view declares the permission it needs with ``@requires("...")``; the gate refuses any
endpoint that declares none. Roles map to permissions here and nowhere else.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

View = TypeVar("View", bound=Callable[..., object])
REQUIRED_PERMISSION = "required_permission"

PERMISSIONS = frozenset(
    {
        "dashboard.view",
        "account.manage_own",
        "staff.manage",
        "settings.manage",
        "audit.read",
        "audit.export",
        "referral.create",
        "referral.read",
        "referral.edit",
        "referral.supervise",
        "referral.export",
        "referral.follow_up",
        "outreach.read",
        "outreach.edit",
        "meeting.edit",
        "training.read",
        "training.read_all",
        "training.edit",
        "training.roster",
        "stats.read",
        "directory.edit",
        "cards.design",
        "cards.print",
        "service_list.edit",
    }
)

COORDINATOR = frozenset(
    {
        "dashboard.view",
        "account.manage_own",
        "referral.create",
        "referral.read",
        "referral.edit",
        "referral.export",
        "referral.follow_up",
        "outreach.read",
        "outreach.edit",
        "meeting.edit",
        # 研修・情報交換会: every meeting, each staff member's history, the required-training list.
        "training.read",
        "training.read_all",
        "training.edit",
        "training.roster",
        "stats.read",
        "cards.print",  # cards are handed out on home visits
        # 案内リスト: lists of services printed for the person at the counter or on a visit.
        "service_list.edit",
    }
)
ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    "admin": frozenset(
        {
            "dashboard.view",
            "account.manage_own",
            "staff.manage",
            "settings.manage",
            "audit.read",
            "audit.export",
            "training.roster",  # who has not attended the year's required training
        }
    ),
    "coordinator": COORDINATOR,
    # A coordinator who also watches deadlines: escalated cases, records on legal hold.
    "supervisor": COORDINATOR | {"referral.supervise"},
    "liaison": frozenset(
        {
            "dashboard.view",
            "account.manage_own",
            "referral.create",
            "referral.read",
            "referral.follow_up",
            # The meetings the NPO organises or attends, or they took part in (training.scopes).
            "training.read",
            "training.edit",
        }
    ),
    "analyst": frozenset({"dashboard.view", "account.manage_own", "stats.read"}),
    "editor": frozenset(
        {"dashboard.view", "account.manage_own", "directory.edit", "cards.design", "cards.print"}
    ),
    "auditor": frozenset({"dashboard.view", "account.manage_own", "audit.read", "audit.export"}),
}
ROLES = tuple(ROLE_PERMISSIONS)

# What every account holding a role may do, even while all its roles wait for approval: see its
# dashboard (which says what waits) and look after its own password and second factor.
ACCOUNT_PERMISSIONS = frozenset({"dashboard.view", "account.manage_own"})
# What opens a case: a person's name, their story, the meetings about them.
CASE_PERMISSIONS = frozenset(
    p for p in PERMISSIONS if p.startswith(("referral.", "outreach.", "meeting."))
)
# The roles that read cases (coordinator, supervisor, liaison), derived so a new one is not missed.
CASE_ROLES = frozenset(role for role, p in ROLE_PERMISSIONS.items() if p & CASE_PERMISSIONS)
# Roles an administrator gives through the web only with a second administrator's approval:
# the case roles, so no administrator reads cases alone, and the role that approves them, or one
# person could make a second administrator account, sign in as it and approve their own grant.
FOUR_EYES_ROLES = CASE_ROLES | frozenset(
    role for role, p in ROLE_PERMISSIONS.items() if "staff.manage" in p
)


def requires(permission: str) -> Callable[[View], View]:
    """Declare the permission a view needs. Unknown names fail at import, not at request."""
    if permission not in PERMISSIONS:
        raise ValueError(f"unknown permission: {permission}")

    def decorator(view: View) -> View:
        setattr(view, REQUIRED_PERMISSION, permission)
        return view

    return decorator


def permissions_for(roles: set[str] | frozenset[str]) -> frozenset[str]:
    granted: set[str] = set()
    for role in roles:
        granted |= ROLE_PERMISSIONS.get(role, frozenset())
    return frozenset(granted)


def required_permission(view: Callable[..., object] | None) -> str | None:
    return getattr(view, REQUIRED_PERMISSION, None)


# Role names as staff read them (the back office is Japanese only, decision 0009).
ROLE_LABELS = {
    "admin": "管理者（アカウント・設定・監査）",
    "coordinator": "専任職員（つなぎ支援・訪問・会議）",
    "supervisor": "専任職員の監督者（期限を過ぎた案件の確認を含む）",
    "liaison": "つなぎ支援員（NPO）",
    "analyst": "統計担当（集計のみ）",
    "editor": "編集者（支援機関一覧・案内カード）",
    "auditor": "監査担当（監査記録の閲覧）",
}
