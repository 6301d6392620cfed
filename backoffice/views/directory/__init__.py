"""Directory editing in the back office, for the `editor` role: services, their channels and
hours, organisations, and the synonyms search uses.

One blueprint, ``directory_admin``, under ``/staff/directory/``. ``pages`` creates it and holds
what the service pages share; the views are in ``services`` (the list, a new service, its own
fields, verification), ``service_parts`` (adding and removing channels, hours, locations and
languages; the areas), ``part_edits`` (editing a channel, a row of hours or a location in
place), ``organizations``, and ``words`` (the synonyms search uses, and the crisis words that
put the lines to talk to now first). Importing this package imports them all, so every view is
on ``bp``.
"""

from backoffice.views.directory import organizations, part_edits, service_parts, services, words
from backoffice.views.directory.pages import bp

__all__ = [
    "bp",
    "organizations",
    "part_edits",
    "service_parts",
    "services",
    "words",
]
