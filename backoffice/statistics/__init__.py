"""Statistics (統計に関する事務): the figures both partners keep, computed in SQL, safe to publish.

No Flask here. `tables.Table` is the one shape every figure takes; the figures modules build
tables for a `periods.Period`; the referral figures are summed from daily totals (`rollups`),
which `stale` marks for recomputation in every transaction that changes what they count;
`suppression` makes a set of tables safe to publish; the exports write tables to CSV, XLSX and
the annual report.
"""

# Registers the session listeners that mark changed days (imported for its effect).
from backoffice.statistics import stale as stale
