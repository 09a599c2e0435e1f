"""`rammeaftale category suggest SALES.json`: the rulebook's category suggestion from sales figures, JSON in and out."""
import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand

from rammeaftale.engine.category_json import category_suggest_json
from rammeaftale.engine.tariff_json import EngineInputError


class Command(BaseCommand):
    help = "Kategoriforslag for et tilbud ud fra takst og salg (format: docs/engine-json.md)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        suggest = sub.add_parser("suggest", help="foreslå en kategori ud fra døgntakst og salg")
        suggest.add_argument("file", help="salg som JSON (- for standard input)")

    def handle(self, *args, action, file, **options):
        try:
            text = sys.stdin.read() if file == "-" else Path(file).read_text(encoding="utf-8")
        except OSError as exc:
            self._fail(EngineInputError(field="file", message=f"filen kan ikke læses: {exc.strerror} ({file})"))
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            self._fail(EngineInputError(field="(json)", message=f"ugyldig JSON i linje {exc.lineno}: {exc.msg}"))
        try:
            result = category_suggest_json(data)
        except EngineInputError as exc:
            self._fail(exc)
        self.stdout.write(json.dumps(result, ensure_ascii=False, indent=2))

    def _fail(self, error: EngineInputError) -> None:
        self.stdout.write(json.dumps(error.as_dict(), ensure_ascii=False, indent=2))
        sys.exit(2)
