"""`rammeaftale category suggest SALES.json`: the rulebook's category suggestion from sales figures, JSON in and out."""
import json
import sys

from django.core.management.base import BaseCommand

from rammeaftale.engine.category_json import category_suggest_json
from rammeaftale.engine.tariff_json import json_file_run


class Command(BaseCommand):
    help = "Kategoriforslag for et tilbud ud fra takst og salg (format: docs/engine-json.md)."
    requires_system_checks = ()  # JSON in, JSON out through the engine: no database, no pages to check

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        suggest = sub.add_parser("suggest", help="foreslå en kategori ud fra døgntakst og salg")
        suggest.add_argument("file", help="salg som JSON (- for standard input)")

    def handle(self, *args, action, file, **options):
        answer, code = json_file_run(file, category_suggest_json)
        self.stdout.write(json.dumps(answer, ensure_ascii=False, indent=2))
        if code:
            sys.exit(code)
