"""研修・情報交換会: trainings and exchange meetings between the NPO's counsellors and the city's
staff, their materials and follow-up actions, each staff member's history and who has not yet
attended the fiscal year's required training (the requirement is profile data).

Rules only (no Flask): services take the session and an ``Actor``; the pages live in
``backoffice.views.training``.
"""
