"""Referrals (つなぎ支援): consent-gated handoff from the NPO, and the municipality's case work.

Part of the back office on purpose: the public process never imports it (an import contract
checks that), so its code and models are not even loaded where the internet can reach.
"""

from backoffice.referrals import guard as guard  # an anonymised case stays closed, everywhere
