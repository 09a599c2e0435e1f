"""`rammeaftale economy refusion|guarantee FILE.json`: the economy engines' JSON in, JSON out (docs/engine-json.md);
bad input is `{"error": {"field", "message"}}` with exit code 2."""
import json
import sys

from django.core.management.base import BaseCommand

from rammeaftale.economy.guarantee_json import guarantee_json
from rammeaftale.economy.refusion_json import refusion_json
from rammeaftale.engine.tariff_json import json_file_run

ACTIONS = {"refusion": refusion_json, "guarantee": guarantee_json}


class Command(BaseCommand):
    help = ("Statsrefusion for særligt dyre enkeltsager (SEL § 176) og underskudsgaranti for nye pladser fra JSON "
            "(formater: docs/engine-json.md).")
    requires_system_checks = ()  # the engines only, no database

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        refusion = sub.add_parser("refusion", help="statsrefusion pr. sag og husstand for et år (SEL § 176)")
        refusion.add_argument("file", help="sager som JSON (- for standard input)")
        guarantee = sub.add_parser("guarantee", help="underskudsgarantiens andele pr. kommune efter befolkningstal")
        guarantee.add_argument("file", help="regelbog, befolkningsdato, driftsår og underskud som JSON (- for stdin)")

    def handle(self, *args, action, file, **options):
        answer, code = json_file_run(file, ACTIONS[action])
        self.stdout.write(json.dumps(answer, ensure_ascii=False, indent=2))
        if code:
            sys.exit(code)
