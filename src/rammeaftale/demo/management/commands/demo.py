"""`rammeaftale demo --region REGION --seed N [--scale national] [--if-empty] [--year-from --year-to]`."""
import time
from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from rammeaftale.accounts.actor import Actor
from rammeaftale.core import clock
from rammeaftale.core.errors import DomainError
from rammeaftale.demo.build import demo_build, demo_region_code
from rammeaftale.demo.catalogue import DEMO_PASSWORD, REGION_CODES
from rammeaftale.demo.invoices import demo_invoices_issue
from rammeaftale.demo.new_places import demo_new_places_build
from rammeaftale.demo.placements import demo_placements_build
from rammeaftale.demo.reports import demo_reports_build
from rammeaftale.parties.models import Organisation, OrganisationKind

COUNT_LABELS_DA = (
    ("offers", "tilbud"),
    ("private_operators", "private driftsherrer"),
    ("capacities", "kapacitetsposter"),
    ("categories", "kategoriseringer"),
    ("services", "ydelser"),
    ("tariffs", "takster"),
    ("calculated_tariffs", "heraf beregnet"),
    ("eans_assigned", "nye EAN-numre"),
)


def _table(rows: list[tuple[str, ...]]) -> list[str]:
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
             for row in rows]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return lines


class Command(BaseCommand):
    help = (
        "Byg deterministiske demodata for en region: tilbud, kapacitet, kategorier, ydelser og takster, "
        "private driftsherrer, en demoaftale og en demobruger pr. rolle. Samme seed giver samme data."
    )

    def add_arguments(self, parser):
        parser.add_argument("--region",
                            help=f"regionen: {', '.join(REGION_CODES)} (også sjælland eller regionskoden)")
        parser.add_argument("--seed", type=int, default=1, help="frø for tilfældighederne (standard 1)")
        parser.add_argument("--scale", choices=["region", "national"], default="region",
                            help="region (standard) eller national: alle fem regioner, ca. 7.000 tilbud")
        parser.add_argument("--if-empty", action="store_true", dest="if_empty",
                            help="gør intet for en region, der allerede har tilbud")
        parser.add_argument("--year-from", type=int, dest="year_from", help="første demoår (standard: tre år før i år)")
        parser.add_argument("--year-to", type=int, dest="year_to", help="sidste demoår (standard: i år)")
        parser.add_argument("--invoices", action="store_true",
                            help="udsted også afregningen af hver måned fra januar sidste år til sidste måned "
                                 "(make run gør det; økonomisiderne læser fakturaerne)")
        parser.add_argument("--without-placements", action="store_false", dest="placements",
                            help="byg ikke demoplaceringer (national skala: ca. 340.000 placeringer, et par minutter)")

    def handle(self, *args, region=None, seed=1, scale="region", if_empty=False, year_from=None, year_to=None,
               placements=True, invoices=False, **options):
        today = clock.today()
        year_to = year_to or today.year
        year_from = year_from or year_to - 3
        try:
            if scale == "national":
                if region:
                    raise CommandError("--scale national bygger alle fem regioner; udelad --region.")
                codes = list(REGION_CODES.values())
            elif not region:
                raise CommandError(f"Angiv --region: {', '.join(REGION_CODES)} (eller --scale national).")
            else:
                codes = [demo_region_code(region)]
            started = time.perf_counter()
            with transaction.atomic():  # offers, tariffs and placements together, or nothing
                report = demo_build(actor=Actor.system(username="demo"), region_codes=codes, seed=seed,
                                    scale=scale, year_from=year_from, year_to=year_to, if_empty=if_empty,
                                    tariff_year=min(today.year, year_to))
                built = Organisation.objects.filter(kind=OrganisationKind.REGION,
                                                    code__in=[r.code for r in report.built])
                placements = demo_placements_build(actor=Actor.system(username="demo"),
                                                   regions=list(built) if placements else [], seed=seed,
                                                   first_day=date(year_from, 1, 1), today=today)
                reports = demo_reports_build(actor=Actor.system(username="demo"),
                                             regions=list(built) if placements.placements else [], seed=seed,
                                             today=today)
                new_places = demo_new_places_build(actor=Actor.system(username="demo"),
                                                   regions=list(built) if invoices else [], today=today)
                issued = demo_invoices_issue(actor=Actor.system(username="demo"),
                                             regions=list(built) if invoices and placements.placements else [],
                                             first=date(max(year_from, today.year - 1), 1, 1), today=today)
            seconds = time.perf_counter() - started
            if report.built and connection.vendor == "postgresql" and not connection.in_atomic_block:
                # Planner statistics for the new rows: autovacuum analyses a table only after enough changes, and a
                # copy of this database (a template) is never analysed (a region's pages read every placement).
                with connection.cursor() as cursor:
                    cursor.execute("ANALYZE")
        except DomainError as exc:
            raise CommandError(f"{exc.message_da} Intet er gemt.") from exc

        for region_report in report.regions:
            if region_report.skipped:
                self.stdout.write(f"Demodata findes allerede i {region_report.name} "
                                  f"({region_report.existing_offers} tilbud); intet ændret.")
        if report.built:
            self._counts_write(report, f"seed {seed}, skala {scale}, {year_from}–{year_to}", seconds)
            if placements.placements:
                self.stdout.write(f"Placeringer: {placements.placements} (heraf {placements.active} aktive i dag og "
                                  f"{placements.internal} driftsherrens egne borgere, som ikke faktureres).")
            if reports.periods:
                self.stdout.write(f"Belægningsindberetninger ({', '.join(reports.periods)}): {reports.submitted} "
                                  f"indsendt, heraf {reports.late} for sent; {reports.drafts} kladder; "
                                  f"{reports.missing} mangler (Odense indberetter selv i browseren).")
        if report.built and issued.months:
            self.stdout.write(f"Fakturaer: {issued.months} måneders afregning udstedt ({issued.runs} kørsler)"
                              + (f"; {len(issued.problems)} afvist, fx {issued.problems[0]}" if issued.problems
                                 else "") + ".")
        if report.built and new_places.offers:
            self.stdout.write(f"Nye pladser under Hovedstadens økonomimodel: {', '.join(new_places.offers)}; "
                              "garantiens andele er faktureret med sidste måneds afregning (Økonomi → Nye pladser).")
        if report.users:
            self._logins_write(report)

    def _counts_write(self, report, settings_text: str, seconds: float) -> None:
        rows = [("region", *(label for _, label in COUNT_LABELS_DA))]
        for built in report.built:
            rows.append((built.name, *(str(built.counts[key]) for key, _ in COUNT_LABELS_DA)))
        if len(report.built) > 1:
            totals = (sum(built.counts[key] for built in report.built) for key, _ in COUNT_LABELS_DA)
            rows.append(("i alt", *(str(total) for total in totals)))
        self.stdout.write(f"Demodata bygget ({settings_text}) på {seconds:.1f} sekunder:")
        for line in _table(rows):
            self.stdout.write(f"  {line}")
        for built in report.built:
            for agreement in built.agreements:
                self.stdout.write(f"Demoaftale oprettet: {agreement} (regler lånt, se aftalens bemærkning).")
        if report.calculated_years:
            years = " og ".join(str(year) for year in report.calculated_years)
            self.stdout.write(f"Takster for {years} er beregnet af demobudgetter med fuld specifikation "
                              "(se Takster i menuen).")
        if report.provisional is not None and report.provisional.pl_pct is not None:
            self.stdout.write(report.provisional.message_da)
        if report.price_index_years:
            years = ", ".join(str(year) for year in report.price_index_years)
            self.stdout.write(f"P/L-tabellen har fået syntetiske demosatser (eksempeltal) for {years}.")

    def _logins_write(self, report) -> None:
        self.stdout.write(f"\nLogins (kun til demo; nye brugere får adgangskoden {DEMO_PASSWORD}):")
        rows = [("brugernavn", "rolle", "organisation", "adgangskode")]
        for user in report.users:
            rows.append((user.username, user.role, user.organisation,
                         DEMO_PASSWORD if user.created else "(fandtes i forvejen, uændret)"))
        for line in _table(rows):
            self.stdout.write(f"  {line}")
