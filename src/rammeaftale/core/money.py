"""Money: integer øre in storage, Decimal kroner in calculations, ROUND_HALF_UP at named points."""
from decimal import ROUND_HALF_UP, Decimal

ORE_PER_KRONE = 100


def kr_to_ore(amount_kr: Decimal | int | str) -> int:
    """Kroner to whole øre, rounding half up (the named rounding point for stored amounts)."""
    if isinstance(amount_kr, float):
        raise TypeError("money must not pass through float")
    value = Decimal(amount_kr) * ORE_PER_KRONE
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def ore_to_kr(amount_ore: int) -> Decimal:
    return (Decimal(amount_ore) / ORE_PER_KRONE).quantize(Decimal("0.01"))


def format_kr(amount_ore: int) -> str:
    """Danish display: 1.234,50 kr."""
    text = f"{ore_to_kr(amount_ore):,.2f}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".") + " kr."
