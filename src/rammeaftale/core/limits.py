"""The largest numbers the database columns hold, on SQLite and PostgreSQL alike: input beyond them is refused at
the edge (a Danish 404 on a page, a 422 in the API) instead of overflowing in the database."""

ID_MAX = 2**63 - 1  # a primary key (bigint)
INT_MAX = 2**31 - 1  # an integer column (PositiveIntegerField on PostgreSQL)
YEAR_MIN, YEAR_MAX = 2000, 2100  # the years the pages, API, selectors, exports and the demo accept
