"""The shared kernel: configuration, database, security headers, i18n, error pages and CLI helpers.

Nothing here knows about the public site, the back office or any domain package; the two app
factories compose these pieces.
"""
