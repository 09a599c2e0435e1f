"""Danish messages for pydantic's validation errors, by error type: the API's 422 details and the engine's JSON
input errors say in Danish what the library says in English."""

_DATE = "Skal være en dato på formen ÅÅÅÅ-MM-DD, fx 2026-07-01."
_DATETIME = "Skal være et tidspunkt på formen ÅÅÅÅ-MM-DDTtt:mm:ss."
_WHOLE = "Skal være et helt tal."

MESSAGES_DA = {
    "missing": "Skal udfyldes.",
    "int_parsing": _WHOLE,
    "int_type": "Skal være et helt tal (et JSON-tal, ikke tekst eller sand/falsk).",
    "int_from_float": "Skal være et helt tal uden decimaler.",
    "greater_than_equal": "Skal være mindst {ge}.",
    "greater_than": "Skal være større end {gt}.",
    "less_than_equal": "Må højst være {le}.",
    "less_than": "Skal være mindre end {lt}.",
    "string_type": "Skal være tekst.",
    "string_too_short": "Skal have mindst {min_length} tegn.",
    "string_too_long": "Må højst have {max_length} tegn.",
    "string_pattern_mismatch": "Har ikke det rigtige format.",
    "bool_parsing": "Skal være sand eller falsk (true/false).",
    "bool_type": "Skal være sand eller falsk (true/false).",
    "date_parsing": _DATE,
    "date_type": _DATE,
    "date_from_datetime_parsing": _DATE,
    "date_from_datetime_inexact": "Skal være en dato uden klokkeslæt, fx 2026-07-01.",
    "datetime_parsing": _DATETIME,
    "datetime_type": _DATETIME,
    "datetime_from_date_parsing": _DATETIME,
    "decimal_parsing": "Skal være et decimaltal skrevet som tekst, fx \"2.8\".",
    "decimal_type": "Skal være et decimaltal skrevet som tekst, fx \"2.8\".",
    "decimal_max_digits": "Må højst have {max_digits} cifre.",
    "decimal_max_places": "Må højst have {decimal_places} decimaler.",
    "decimal_whole_digits": "Må højst have {whole_digits} cifre før kommaet.",
    "finite_number": "Skal være et endeligt tal.",
    "list_type": "Skal være en liste.",
    "too_short": "Skal have mindst {min_length} elementer.",
    "too_long": "Må højst have {max_length} elementer.",
    "dict_type": "Skal være et objekt.",
    "model_type": "Skal være et objekt.",
    "model_attributes_type": "Skal være et objekt.",
    "json_invalid": "Er ikke gyldig JSON.",
    "json_type": "Er ikke gyldig JSON.",
    "literal_error": "Skal være en af: {expected}.",
    "enum": "Skal være en af: {expected}.",
    "extra_forbidden": "Feltet kendes ikke.",
    "none_required": "Skal være tom (null).",
    "uuid_parsing": "Skal være et UUID.",
    "url_parsing": "Skal være en URL.",
}


def message_da(error: dict) -> str:
    """A Danish message for one pydantic error: the translation of its type, or for a validator's own error (whose
    message is Danish first, English in parentheses) that message."""
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if kind in ("value_error", "assertion_error") and ctx.get("error"):
        text = str(ctx["error"]).rstrip(".")
        return text[:1].upper() + text[1:] + "."
    template = MESSAGES_DA.get(kind)
    if template is None:
        return "Ugyldig værdi."
    try:
        return template.format(**ctx)
    except (KeyError, IndexError, ValueError):
        return template.split("{")[0].rstrip(" :") + "."
