"""`rammeaftale settlement run|oioubl`: the month's settlement from the console (preview, or --issue)."""
import json
import sys

from django.core.management.base import BaseCommand, CommandError

from rammeaftale.accounts.actor import Actor
from rammeaftale.billing.documents import invoice_oioubl
from rammeaftale.billing.models import Invoice
from rammeaftale.billing.settlement import (
    SettlementResult,
    month_parse,
    settlement_issue_all,
    settlement_plans,
)
from rammeaftale.core import clock
from rammeaftale.core.errors import DomainError
from rammeaftale.parties.models import Organisation
from rammeaftale.placements.models import Placement


class Command(BaseCommand):
    help = "Månedlig afregning: vis (standard) eller udsted (--issue) fakturaer; hent en faktura som OIOUBL."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        run = sub.add_parser("run", help="afregn en måned for én sælger eller alle")
        run.add_argument("--month", required=True, help="ÅÅÅÅ-MM")
        run.add_argument("--seller", help="sælgers kode eller CVR (standard: alle sælgere med placeringer)")
        run.add_argument("--issue", action="store_true", help="udsted; uden flaget vises kun forhåndsvisningen")
        xml = sub.add_parser("oioubl", help="skriv en faktura eller kreditnota som OIOUBL 2.1 XML")
        xml.add_argument("number")

    def handle(self, *args, action, **options):
        actor = Actor.system(username="settlement")
        try:
            if action == "oioubl":
                invoice = Invoice.objects.filter(number=options["number"]).first()
                if invoice is None:
                    raise CommandError(f"Fakturaen {options['number']} findes ikke.")
                sys.stdout.buffer.write(invoice_oioubl(invoice))
                return
            year, month = month_parse(options["month"])
            sellers = self._sellers(options.get("seller"))
            if options["issue"]:  # all sellers from one extraction; each seller's run all or nothing on its own
                issued = settlement_issue_all(actor=actor, sellers=sellers, year=year, month=month,
                                              issue_date=clock.today())
                results = [self._issued(seller, result) for seller, result in zip(sellers, issued, strict=True)]
            else:
                plans = settlement_plans(actor=actor, sellers=sellers, year=year, month=month,
                                         issue_date=clock.today())
                results = [{"seller": str(plan.seller), "already_issued": plan.existing_run is not None,
                            "invoices": len(plan.invoices), "credit_notes": len(plan.credits),
                            "total_ore": plan.total_ore, "problems": plan.blocking, "warnings": plan.warnings}
                           for plan in plans]
            self.stdout.write(json.dumps({"month": f"{year}-{month:02d}", "issued": options["issue"],
                                          "sellers": results}, ensure_ascii=False, indent=1))
        except DomainError as error:
            raise CommandError(error.message_da, returncode=2) from error  # bad input: exit 2
        failed = [r["seller"] for r in results if r.get("error")]
        if failed:
            raise CommandError(f"{len(failed)} sælgere blev ikke afregnet (se «error» ovenfor): {', '.join(failed)}.",
                               returncode=2)

    @staticmethod
    def _issued(seller: Organisation, result: SettlementResult | DomainError) -> dict:
        if isinstance(result, DomainError):  # one seller's gap stops no other
            return {"seller": str(seller), "created": False, "error": result.message_da}
        return {"seller": str(seller), "created": result.created, "invoices": len(result.invoices),
                "credit_notes": len(result.credit_notes),
                "total_ore": sum(i.total_ore for i in result.invoices) - sum(c.total_ore for c in result.credit_notes)}

    def _sellers(self, code: str | None) -> list[Organisation]:
        if code:
            seller = Organisation.objects.filter(code=code).first() or Organisation.objects.filter(cvr=code).first()
            if seller is None:
                raise CommandError(f"Ukendt sælger «{code}» (angiv kode eller CVR-nummer).")
            return [seller]
        operator_ids = Placement.objects.filter(is_internal=False).values_list("offer__operator_id", flat=True)
        return list(Organisation.objects.filter(pk__in=operator_ids.distinct()).order_by("name"))
