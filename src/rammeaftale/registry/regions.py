"""The five regions by the names users type (syddanmark, Sjælland) and their official codes (DAWA: 1081–1085)."""

REGION_CODES = {
    "nordjylland": "1081",
    "midtjylland": "1082",
    "syddanmark": "1083",
    "hovedstaden": "1084",
    "sjaelland": "1085",
}
REGION_ALIASES = {"sjælland": "sjaelland", **{code: name for name, code in REGION_CODES.items()}}
