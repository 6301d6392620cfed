"""How much `directory import` reads of one file before it gives up: every limit in one place.

A file to import may come from outside the office, so nothing in it decides how much memory or
time reading it takes. The numbers are measured against the demo directory (37 services, with
their English and easy-Japanese texts): its JSON export is 400 KB (10.8 KB a service, most of it
attributes: one object per field, 25 a service), and deflate shrinks its most compressible file,
datapackage.json, 8 to 1. Each limit leaves room for a directory of about 15,000 services, some
400 times the demo and far beyond a city's; the search benchmark's 10,000 to 100,000 services
are written straight into the tables (bench/search.py) and never pass through here.
"""

from __future__ import annotations

MIB = 1024 * 1024

# One JSON document, one CSV file or one zip member: 15,000 services at 10.8 KB in JSON.
MAX_FILE_BYTES = 160 * MIB
# All files of a datapackage together (a folder or a zip): twice a file, as CSV is leaner.
MAX_TOTAL_BYTES = 320 * MIB
# A zip itself is never larger than what it holds, give or take its headers.
MAX_ZIP_BYTES = MAX_TOTAL_BYTES
# A datapackage has one member per table: 14 in our export, 21 in the official package.
MAX_MEMBERS = 100
# The zip's table of contents, read whole before any member: 46 bytes a member plus its name,
# so 1 KiB a member is generous, and millions of tiny entries are refused before they are read.
MAX_DIRECTORY_BYTES = MAX_MEMBERS * 1024
# Real exports deflate 8 to 1 at most; a zip bomb reaches 1,000 to 1 and more.
MAX_RATIO = 100
# Below this size a member may compress as well as it likes: it cannot hurt.
RATIO_FLOOR_BYTES = 1 * MIB
# Members are read this much at a time, counting, so a lying size header cannot get past.
CHUNK_BYTES = 64 * 1024

# Our export nests 7 levels (the dataset, its services, a service, its schedules, a schedule,
# its attributes, an attribute), the API's shape a few more: 32 is plenty, and far below
# Python's recursion limit, which deeper nesting would reach in the parser and the checks.
MAX_DEPTH = 32
# Values (objects, lists, strings, numbers) in one JSON document: the demo has 193 a service,
# so 25,000 services; a file of nothing but "[]," would otherwise hold 40 million of them.
MAX_JSON_VALUES = 5_000_000
# Coordinates and counts need 20 characters at most; Python refuses integers over 4,300 digits.
MAX_NUMBER_CHARS = 40
# Our longest stored text is 4,000 characters (``rules.ValueChecks.text``): 16 times that.
MAX_CSV_FIELD_CHARS = 64 * 1024
# Rows of all tables together: the demo has 30 a service, so 33,000 services. A row of one
# comma is two bytes, so without this a file within its size could still fill the memory.
MAX_CSV_ROWS = 1_000_000
