"""The helpers the pages under load use: each gives what the slower way it replaced gave (issue 12)."""
import threading
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.urls import reverse

from rammeaftale.api_contract import DictSchema
from rammeaftale.core.memo import BoundedCache
from rammeaftale.http import ByIds, page_by_ids
from rammeaftale.parties.models import Organisation, OrganisationKind
from rammeaftale.registry import selectors as registry_selectors
from rammeaftale.registry.api import OrganisationRef, organisation_ref


def test_bounded_cache_keeps_the_newest_and_makes_each_key_once():
    cache: BoundedCache[int] = BoundedCache(2)
    made = []

    def make(value):
        made.append(value)
        return value * 10

    assert cache.get_or_make("a", lambda: make(1)) == 10
    assert cache.get_or_make("a", lambda: make(99)) == 10  # kept: not made again
    assert cache.get_or_make("b", lambda: make(2)) == 20
    assert cache.get_or_make("c", lambda: make(3)) == 30  # "a" is now the oldest and falls out
    assert not cache.has("a") and cache.has("b") and cache.has("c")
    assert made == [1, 2, 3]


def test_bounded_cache_serves_threads():
    cache: BoundedCache[int] = BoundedCache(64)
    answers = []
    threads = [threading.Thread(target=lambda n=n: answers.append(cache.get_or_make(n % 8, lambda n=n: n % 8)))
               for n in range(64)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(answers) == sorted(n % 8 for n in range(64))


@pytest.mark.django_db
def test_id_url_gives_what_url_gives(reference):
    template = Template("{% load links %}{% id_url 'registry:offer_detail' pk %}|{% id_url 'tariffs:tariff_detail' pk %}"
                        "|{% id_url 'placements:placement_detail' pk %}")
    for pk in (1, 42, 987654321, 9_007_199_254_740_991):
        assert template.render(Context({"pk": pk})) == "|".join([
            reverse("registry:offer_detail", args=[pk]), reverse("tariffs:tariff_detail", args=[pk]),
            reverse("placements:placement_detail", args=[pk])])


@pytest.mark.django_db
def test_options_marks_the_chosen_one_and_escapes(reference):
    template = Template("{% load danish %}{% options items chosen %}")
    items = [(1, "Én & to"), (2, "<b>To</b>")]
    assert template.render(Context({"items": items, "chosen": "2"})) == (
        '<option value="1">Én &amp; to</option><option value="2" selected>&lt;b&gt;To&lt;/b&gt;</option>')
    assert 'selected' not in template.render(Context({"items": items, "chosen": None}))
    odense = Organisation.objects.get(kind=OrganisationKind.MUNICIPALITY, name="Odense")
    assert template.render(Context({"items": [odense], "chosen": odense.pk})) == (
        f'<option value="{odense.pk}" selected>Odense Kommune</option>')


@pytest.mark.django_db
def test_page_by_ids_is_the_page_of_the_queryset(reference):
    organisations = Organisation.objects.select_related("region").order_by("name", "id")
    for page in (slice(0, 7), slice(5, 25), slice(100, 150), slice(10_000, 10_050)):
        assert page_by_ids(organisations, page) == list(organisations[page])
    paged = ByIds(organisations)
    assert paged.count() == len(paged) == organisations.count() > 0
    assert paged[3:9] == list(organisations[3:9])


@pytest.mark.django_db
def test_offer_groups_attach_lists_what_the_relations_hold(make_offer, odense, system):
    offers = [make_offer(odense, name="A", paragraphs=("sel-108", "sel-107"), target_groups=("autisme", "sindslidelse")),
              make_offer(odense, name="B", paragraphs=("sel-104",), target_groups=())]
    attached = registry_selectors.offer_groups_attach(
        list(registry_selectors.offer_list(actor=system, on=offers[0].created_at.date())))
    by_name = {offer.name: offer for offer in attached}
    for offer in offers:
        assert [p.code for p in by_name[offer.name].paragraph_list] == [p.code for p in offer.paragraphs.all()]
        assert [(p.label, p.title) for p in by_name[offer.name].paragraph_list] == [
            (p.label, p.title) for p in offer.paragraphs.all()]
        assert [g.name for g in by_name[offer.name].target_group_list] == [g.name for g in offer.target_groups.all()]
    assert by_name["B"].target_group_list == []


@pytest.mark.django_db
def test_dict_schema_checks_a_dict_as_the_getter_checks_an_object(reference):
    odense = Organisation.objects.get(kind=OrganisationKind.MUNICIPALITY, name="Odense")
    assert issubclass(OrganisationRef, DictSchema)
    from_object = OrganisationRef.model_validate(odense).model_dump()
    assert OrganisationRef.model_validate(organisation_ref(odense)).model_dump() == from_object
    assert from_object["display_name"] == "Odense Kommune"
    with pytest.raises(ValueError):  # a dict must carry every field: no resolver fills it in
        OrganisationRef.model_validate({"id": odense.pk, "kind": odense.kind, "name": odense.name})


def test_the_tariff_lists_kept_facts_follow_every_write_to_their_tables(agreements, copenhagen, make_offer, make_user,
                                                                        actor_of, system):
    """The tariff list keeps its facts per process under the database's list version (triggers, tariffs 0006): any
    write to a table they are read from, by the ORM, in bulk or in raw SQL, gives a new version, so the list never
    shows kept facts of other data; a rolled-back write leaves the version, and the data, as they were."""
    from django.db import connection, transaction

    from rammeaftale.accounts.models import Role
    from rammeaftale.registry import services as registry_services
    from rammeaftale.registry.models import Agreement, LegalParagraph, Offer, Service
    from rammeaftale.tariffs import services as tariff_services
    from rammeaftale.tariffs.models import Tariff, TariffExplanation
    from rammeaftale.tariffs.selectors import _list_version, tariff_list

    economist = actor_of(make_user(copenhagen, Role.ECONOMIST))
    agreement = Agreement.objects.get(rulebook__key="hovedstaden-2021-2022")
    offer = make_offer(copenhagen, name="Bostedet Version")
    basis = registry_services.service_create(actor=system, offer=offer, name="Basistakst")
    tariff_services.price_index_set(actor=system, year=2022, rate_pct=Decimal("2.8"), source="KL (test)")

    def shown():
        listing = tariff_list(actor=economist, agreement=agreement, year=2022)
        return listing.count, [(row.tariff.service.offer.name, row.tariff.amount_ore, row.explained)
                               for row in listing.rows], listing.flagged_count

    assert shown() == (0, [], 0)
    Tariff.objects.create(service=basis, year=2021, amount_ore=200_000, origin="published")
    tariff = Tariff.objects.create(service=basis, year=2022, amount_ore=200_000, origin="published")
    assert shown() == (1, [("Bostedet Version", 200_000, False)], 0)
    Tariff.objects.filter(pk=tariff.pk).update(amount_ore=300_000)  # in bulk, no save(): 50 % over last year
    assert shown() == (1, [("Bostedet Version", 300_000, False)], 1)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE registry_offer SET name = %s WHERE id = %s", ["Bostedet Omdøbt", offer.pk])
    assert shown()[1] == [("Bostedet Omdøbt", 300_000, False)]
    TariffExplanation.objects.create(tariff=tariff, text="Ny nattevagt.")
    assert shown()[1] == [("Bostedet Omdøbt", 300_000, True)]
    before = _list_version()
    with pytest.raises(RuntimeError), transaction.atomic():
        Tariff.objects.filter(pk=tariff.pk).delete()
        assert _list_version() != before and shown() == (0, [], 0)
        raise RuntimeError("rolled back")
    assert _list_version() == before and shown() == (1, [("Bostedet Omdøbt", 300_000, True)], 1)
    writes = [
        lambda: Service.objects.filter(pk=basis.pk).update(name="Basis"),
        lambda: Offer.objects.filter(pk=offer.pk).update(offer_type="day"),
        lambda: Organisation.objects.filter(pk=copenhagen.pk).update(name="København"),
        lambda: offer.paragraphs.add(LegalParagraph.objects.get(code="sel-107")),
        lambda: LegalParagraph.objects.filter(code="sel-108").update(subsection="stk. 1"),
        lambda: TariffExplanation.objects.filter(tariff=tariff).delete(),
    ]
    for write in writes:
        version = _list_version()
        write()
        assert _list_version() not in (None, version)
    assert shown()[1] == [("Bostedet Omdøbt", 300_000, False)]
