"""Directory search: Japanese text in any spelling, synonyms and filters, over a bigram index.

`query` reads a search from request arguments; `synonyms` expands its words; `plan` decides what
must match and how matches rank; `fts` (SQLite), `postgres` and `scan` run plans; `loading`
reads the page's services (their `summaries`, kept in the index); `results` ties them together
in `search_services`. The index: `index` (the table), `tokens`, `documents` (what is indexed of
a service), `reindex` and `fts_tables` (SQLite's FTS5 tables). See
docs/decisions/0011-japanese-search.md.
"""
