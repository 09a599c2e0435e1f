"""Benchmark: recalculate every tariff of the national demo through the tariff engine; prints JSON, last line.

Each demo tariff becomes a budget that should reproduce it (salaries, property, other costs and 6 % overhead summing to
tariff × budgeted days or hours), and the engine recalculates every offer's services. Only the engine is timed; the
database build and extraction are reported apart.

    .venv/bin/python bench/tariffs.py [--seed N] [--year 2026]
"""
import argparse
import json
import sys
import time
from decimal import Decimal
from fractions import Fraction

from _setup import django_on_fresh_sqlite


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--year", type=int, default=2026)
    args = parser.parse_args()
    folder = django_on_fresh_sqlite()

    from rammeaftale.accounts.actor import Actor
    from rammeaftale.core.money import ore_to_kr
    from rammeaftale.demo.build import demo_build
    from rammeaftale.demo.catalogue import REGION_CODES
    from rammeaftale.engine.tariff import ServiceBudget, Unit, days_in_year, tariff_calculate
    from rammeaftale.registry.models import OfferCapacity
    from rammeaftale.tariffs.models import Tariff

    started = time.perf_counter()
    demo_build(actor=Actor.system(username="bench"), region_codes=list(REGION_CODES.values()), seed=args.seed,
               scale="national")
    build_seconds = time.perf_counter() - started

    started = time.perf_counter()
    places = {}
    for offer_id, valid_from, count in OfferCapacity.objects.order_by("valid_from").values_list(
            "offer_id", "valid_from", "places"):
        if valid_from.year <= args.year:
            places[offer_id] = count
    rows = Tariff.objects.filter(year=args.year).values_list(
        "service__offer_id", "service__name", "service__kind", "service__unit", "amount_ore").order_by("service__offer_id")
    occupancy = Decimal("96")
    budgets: dict[int, list] = {}
    expected: dict[tuple[int, str], int] = {}
    for offer_id, name, kind, unit, amount_ore in rows:
        tariff_kr = ore_to_kr(amount_ore)
        if unit == "hour":
            units = Decimal(max(places.get(offer_id, 1), 1) * 220)
            denominator = {"budgeted_hours": units}
        else:
            units = Decimal(max(places.get(offer_id, 1), 1) * days_in_year(args.year)) * occupancy / 100
            denominator = {"places": max(places.get(offer_id, 1), 1), "budgeted_occupancy_pct": occupancy}
        basis = tariff_kr * units
        direct = basis / Decimal("1.06")
        budgets.setdefault(offer_id, []).append(ServiceBudget(
            name=name, kind=kind, unit=Unit(unit), salaries_kr=direct * Decimal("0.86"),
            property_kr=direct * Decimal("0.08"), other_direct_kr=direct * Decimal("0.06"), overhead_pct=Decimal(6),
            **denominator,
        ))
        expected[(offer_id, name)] = amount_ore
    extract_seconds = time.perf_counter() - started

    started = time.perf_counter()
    results = {offer_id: tariff_calculate(services=services, year=args.year, monthly_conversion=Fraction(365, 12))
               for offer_id, services in budgets.items()}
    seconds = time.perf_counter() - started

    off_by_more_than_one_ore = sum(
        1 for offer_id, result in results.items() for tariff in result.services
        if abs(tariff.unit_tariff_ore - expected[(offer_id, tariff.name)]) > 1
    )
    folder.cleanup()
    print(json.dumps({
        "offers": len(results), "tariffs": sum(len(r.services) for r in results.values()),
        "seconds": round(seconds, 3), "year": args.year, "off_by_more_than_one_ore": off_by_more_than_one_ore,
        "build_seconds": round(build_seconds, 2), "extract_seconds": round(extract_seconds, 2),
    }))


if __name__ == "__main__":
    sys.exit(main())
