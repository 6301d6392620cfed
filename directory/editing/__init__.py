"""Staff edits to the directory: validated, recorded field by field, and audited.

Every change leaves a ``ChangeRecord`` per field (HSDS metadata: who, when, old and new value)
that staff can read on the service page, and an audit event through ``core.audit``.

- ``changes``: the refusal (``EditError``), change records and audit events every edit shares.
- ``checks``: what typed values must look like (channels, addresses, a service's fields).
- ``services``: a service's own fields, verification, and the lists staff work from.
- ``channels``, ``schedules``, ``locations``: how to reach a service, when, where and for where;
  ``languages``: the languages it can be used in.
- ``organizations``: the bodies that run services, archived when they run none any more;
  ``synonyms``: the words search treats as one.

The names below are the package's interface: callers use ``editing.update_service`` and so on.
"""

from directory.editing.changes import EditError
from directory.editing.channels import add_channel, find_channel, remove_channel, update_channel
from directory.editing.checks import EMAIL, LINE_ID, PHONE, check_channel, validate_service
from directory.editing.languages import (
    COMMON_LANGUAGES,
    add_language,
    language_names,
    remove_language,
)
from directory.editing.locations import (
    EDITABLE_LOCATION_FIELDS,
    LOCATION_FIELDS,
    add_location,
    find_location_link,
    remove_location,
    services_at_location,
    set_service_areas,
    update_location,
)
from directory.editing.organizations import (
    OrganizationSummary,
    archive_organization,
    check_choice,
    organization_choices,
    organization_history,
    organization_overview,
    organization_services,
    restore_organization,
    save_organization,
)
from directory.editing.schedules import (
    add_schedule,
    describe,
    find_schedule,
    remove_schedule,
    update_schedule,
)
from directory.editing.services import (
    EDITABLE_FIELDS,
    create_service,
    history,
    load_for_edit,
    mark_verified,
    services_to_verify,
    stale_services,
    update_service,
)
from directory.editing.synonyms import (
    MAX_SYNONYM_LENGTH,
    MAX_SYNONYMS,
    add_synonym_group,
    remove_synonym_group,
    synonym_groups,
)

__all__ = [
    "COMMON_LANGUAGES",
    "EDITABLE_FIELDS",
    "EDITABLE_LOCATION_FIELDS",
    "EMAIL",
    "LINE_ID",
    "LOCATION_FIELDS",
    "MAX_SYNONYMS",
    "MAX_SYNONYM_LENGTH",
    "PHONE",
    "EditError",
    "OrganizationSummary",
    "add_channel",
    "add_language",
    "add_location",
    "add_schedule",
    "add_synonym_group",
    "archive_organization",
    "check_channel",
    "check_choice",
    "create_service",
    "describe",
    "find_channel",
    "find_location_link",
    "find_schedule",
    "history",
    "language_names",
    "load_for_edit",
    "mark_verified",
    "organization_choices",
    "organization_history",
    "organization_overview",
    "organization_services",
    "remove_channel",
    "remove_language",
    "remove_location",
    "remove_schedule",
    "remove_synonym_group",
    "restore_organization",
    "save_organization",
    "services_at_location",
    "services_to_verify",
    "set_service_areas",
    "stale_services",
    "synonym_groups",
    "update_channel",
    "update_location",
    "update_schedule",
    "update_service",
    "validate_service",
]
