"""The support-service directory: organisations, services and their contact channels.

Shaped after Open Referral HSDS 3.0. This is the first cut the public home page needs; the
directory issue adds schedules, taxonomy, search, the HSDS API and staff editing.
"""
