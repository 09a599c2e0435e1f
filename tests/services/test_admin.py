"""Django admin for master data: every add, change and delete (inlines and bulk delete included) is audited."""
import pytest
from django.forms import MultiWidget
from django.test import Client

from rammeaftale.accounts.models import AuditEvent, Role, User
from rammeaftale.parties.models import Organisation, OrganisationKind
from rammeaftale.registry.models import LegalParagraph, Offer, OfferCapacity, RulebookVersion, TargetGroup

VALID_CVR = "12345607"
VALID_EAN = "5790001234560"


@pytest.fixture
def steward(secretariat_syd, make_superuser) -> User:
    """A platform data steward: a superuser (so staff), acting for the Syddanmark secretariat."""
    return make_superuser("forvalter", secretariat_syd, Role.ADMINISTRATOR)


@pytest.fixture
def admin_client(steward) -> Client:
    client = Client()
    client.force_login(steward)
    return client


def _value(bound):
    value = bound.value()
    return value.pk if hasattr(value, "pk") else value


def form_data(response) -> dict:
    """The POST body the admin page would send as shown: main form, inline management forms and rows."""
    data: dict = {}

    def add(form):
        for name, field in form.fields.items():
            if field.disabled:
                continue
            bound = form[name]
            value = _value(bound)
            key = form.add_prefix(name)
            if isinstance(field.widget, MultiWidget):
                for suffix, part in zip(field.widget.widgets_names, field.widget.decompress(value)):
                    if part is not None:
                        data[key + suffix] = part
            elif isinstance(value, bool):
                if value:
                    data[key] = "on"
            elif value is not None:
                data[key] = value

    add(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        add(inline.formset.management_form)
        for form in inline.formset.forms:
            add(form)
    return data


def _events(event_type: str):
    return AuditEvent.objects.filter(event_type=event_type).order_by("id")


# --- organisations ------------------------------------------------------------------------------------------------


def test_admin_add_change_and_delete_of_an_organisation_are_audited(admin_client, steward, region_syd,
                                                                     secretariat_syd):
    page = admin_client.get("/admin/parties/organisation/add/")
    data = form_data(page) | {
        "kind": OrganisationKind.PRIVATE_OPERATOR, "name": "Opholdsstedet Lærkereden ApS", "region": region_syd.pk,
        "cvr": VALID_CVR, "ean": VALID_EAN, "postcode": "6700", "city": "Esbjerg",
    }
    response = admin_client.post("/admin/parties/organisation/add/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    organisation = Organisation.objects.get(cvr=VALID_CVR)
    (created,) = _events("admin.organisation.created")
    assert created.before is None and created.after["name"] == "Opholdsstedet Lærkereden ApS"
    assert created.after["ean"] == VALID_EAN and created.after["populations"] == []
    assert created.actor_id == steward.pk and created.actor_organisation_id == secretariat_syd.pk
    assert created.organisation_id == organisation.pk and created.object_id == str(organisation.pk)

    url = f"/admin/parties/organisation/{organisation.pk}/change/"
    data = form_data(admin_client.get(url)) | {
        "name": "Opholdsstedet Lærkereden", "populations-TOTAL_FORMS": 1, "populations-0-year": 2025,
        "populations-0-inhabitants": 12, "populations-0-source": "optalt",
    }
    assert admin_client.post(url, data).status_code == 302
    (changed,) = _events("admin.organisation.changed")
    assert changed.before["name"] == "Opholdsstedet Lærkereden ApS" and changed.before["populations"] == []
    assert changed.after["name"] == "Opholdsstedet Lærkereden"
    assert [row["inhabitants"] for row in changed.after["populations"]] == [12]


def test_admin_delete_of_an_organisation_records_what_was_deleted(admin_client, reference):
    laesoe = Organisation.objects.get(kind=OrganisationKind.MUNICIPALITY, code="825")
    response = admin_client.post(f"/admin/parties/organisation/{laesoe.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Organisation.objects.filter(pk=laesoe.pk).exists()
    (deleted,) = _events("admin.organisation.deleted")
    assert deleted.before["name"] == "Læsø" and deleted.before["populations"][0]["inhabitants"] == 1759
    assert deleted.after is None and deleted.object_id == str(laesoe.pk)
    assert deleted.organisation_id == laesoe.region_id  # the deleted row itself can no longer be referenced


def test_an_organisation_with_an_audit_trail_is_kept(admin_client, system, region_syd):
    from rammeaftale.registry.services import private_operator_create

    operator = private_operator_create(actor=system, name="Bostedet Åen ApS", cvr=VALID_CVR, region=region_syd)
    events = AuditEvent.objects.count()
    response = admin_client.post(f"/admin/parties/organisation/{operator.pk}/delete/", {"post": "yes"})
    assert response.status_code == 200 and "revisionshændelse" in response.content.decode()
    assert Organisation.objects.filter(pk=operator.pk).exists() and AuditEvent.objects.count() == events


@pytest.mark.parametrize(
    ("cvr", "ean", "messages"),
    [
        ("12345678", "", ["Ugyldigt CVR-nummer «12345678»"]),
        ("", "5790001234567", ["Ugyldigt EAN-nummer «5790001234567»"]),
        ("12345678", "5790001234567", ["Ugyldigt CVR-nummer", "Ugyldigt EAN-nummer"]),
    ],
)
def test_invalid_cvr_or_ean_shows_the_danish_error_and_writes_nothing(admin_client, region_syd, cvr, ean, messages):
    organisations, events = Organisation.objects.count(), AuditEvent.objects.count()
    data = form_data(admin_client.get("/admin/parties/organisation/add/")) | {
        "kind": OrganisationKind.PRIVATE_OPERATOR, "name": "Forkert ApS", "region": region_syd.pk, "cvr": cvr,
        "ean": ean,
    }
    response = admin_client.post("/admin/parties/organisation/add/", data)
    assert response.status_code == 200
    html = response.content.decode()
    for message in messages:
        assert message in html
    assert Organisation.objects.count() == organisations and AuditEvent.objects.count() == events


def test_an_added_region_belongs_to_itself(admin_client):
    data = form_data(admin_client.get("/admin/parties/organisation/add/")) | {
        "kind": OrganisationKind.REGION, "code": "1099", "name": "Prøve"}
    assert admin_client.post("/admin/parties/organisation/add/", data).status_code == 302
    region = Organisation.objects.get(kind=OrganisationKind.REGION, code="1099")
    assert region.region_id == region.pk
    assert _events("admin.organisation.created").get().after["region_id"] == region.pk


# --- offers -------------------------------------------------------------------------------------------------------


def _offer_add_data(admin_client, odense) -> dict:
    return form_data(admin_client.get("/admin/registry/offer/add/")) | {
        "operator": odense.pk, "municipality": odense.pk, "name": "Bostedet Møllen", "offer_type": "residential",
        "paragraphs": [LegalParagraph.objects.get(code="sel-108").pk],
        "target_groups": [TargetGroup.objects.get(code="autisme").pk],
        "internal_note": "kun for os", "capacities-TOTAL_FORMS": 1, "capacities-0-valid_from": "2026-01-01",
        "capacities-0-places": 10, "capacities-0-note": "åbning",
    }


def test_admin_offer_with_capacity_inline_is_audited_through_add_change_and_delete(admin_client, odense):
    assert admin_client.post("/admin/registry/offer/add/", _offer_add_data(admin_client, odense)).status_code == 302
    offer = Offer.objects.get(name="Bostedet Møllen")
    (created,) = _events("admin.offer.created")
    assert created.organisation_id == odense.pk and created.before is None
    assert created.after["paragraphs"] == [LegalParagraph.objects.get(code="sel-108").pk]  # M2M after save_related
    assert [(c["valid_from"], c["places"]) for c in created.after["capacities"]] == [("2026-01-01", 10)]

    url = f"/admin/registry/offer/{offer.pk}/change/"
    data = form_data(admin_client.get(url)) | {
        "name": "Bostedet Møllen II", "capacities-0-places": 11, "capacities-TOTAL_FORMS": 2,
        "capacities-1-valid_from": "2026-07-01", "capacities-1-places": 14, "capacities-1-note": "",
    }
    assert admin_client.post(url, data).status_code == 302
    (changed,) = _events("admin.offer.changed")
    assert (changed.before["name"], changed.after["name"]) == ("Bostedet Møllen", "Bostedet Møllen II")
    assert [c["places"] for c in changed.before["capacities"]] == [10]
    assert [c["places"] for c in changed.after["capacities"]] == [11, 14]

    assert admin_client.post(f"/admin/registry/offer/{offer.pk}/delete/", {"post": "yes"}).status_code == 302
    (deleted,) = _events("admin.offer.deleted")
    assert deleted.before["name"] == "Bostedet Møllen II" and len(deleted.before["capacities"]) == 2
    assert deleted.after is None and deleted.organisation_id == odense.pk
    assert not OfferCapacity.objects.filter(offer_id=offer.pk).exists()


def test_deleting_an_inline_row_is_part_of_the_change_event(admin_client, odense, make_offer):
    offer = make_offer(odense, places=10)
    url = f"/admin/registry/offer/{offer.pk}/change/"
    data = form_data(admin_client.get(url)) | {"capacities-0-DELETE": "on"}
    assert admin_client.post(url, data).status_code == 302
    (changed,) = _events("admin.offer.changed")
    assert len(changed.before["capacities"]) == 1 and changed.after["capacities"] == []


def test_admin_offer_rules_are_the_services_rules(admin_client, odense):
    offers, events = Offer.objects.count(), AuditEvent.objects.count()
    data = _offer_add_data(admin_client, odense) | {"postcode": "67"}
    response = admin_client.post("/admin/registry/offer/add/", data)
    assert response.status_code == 200 and "Postnummer «67» skal være fire cifre." in response.content.decode()
    assert Offer.objects.count() == offers and AuditEvent.objects.count() == events


def test_bulk_delete_audits_every_row_in_one_transaction(admin_client, odense, esbjerg, make_offer):
    first, second = make_offer(odense, name="Første"), make_offer(esbjerg, name="Andet")
    response = admin_client.post("/admin/registry/offer/", {
        "action": "delete_selected", "_selected_action": [first.pk, second.pk], "post": "yes",
    })
    assert response.status_code == 302
    events = _events("admin.offer.deleted")
    assert {(e.object_id, e.organisation_id) for e in events} == {(str(first.pk), odense.pk),
                                                                   (str(second.pk), esbjerg.pk)}
    assert all(e.before["capacities"] for e in events) and not Offer.objects.exists()


# --- users, rulebooks, audit trail ------------------------------------------------------------------------------


def test_admin_user_change_with_role_inline_is_audited_without_the_password(admin_client, odense, make_user):
    user = make_user(odense, Role.CASEWORKER, username="lise")
    url = f"/admin/accounts/user/{user.pk}/change/"
    data = form_data(admin_client.get(url)) | {"user_roles-TOTAL_FORMS": 2, "user_roles-1-role": "economist"}
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    (changed,) = _events("admin.user.changed")
    assert [r["role"] for r in changed.before["user_roles"]] == ["caseworker"]
    assert sorted(r["role"] for r in changed.after["user_roles"]) == ["caseworker", "economist"]
    assert "password" not in changed.before and "password" not in changed.after
    assert changed.organisation_id == odense.pk


def test_admin_refuses_a_role_the_organisation_cannot_hold(admin_client, odense, make_user):
    user = make_user(odense, Role.CASEWORKER, username="lars")
    url = f"/admin/accounts/user/{user.pk}/change/"
    data = form_data(admin_client.get(url)) | {"user_roles-TOTAL_FORMS": 2, "user_roles-1-role": "secretariat"}
    response = admin_client.post(url, data)
    assert response.status_code == 200 and "kun gives til brugere i et sekretariat" in response.content.decode()
    assert sorted(user.role_codes) == ["caseworker"] and not _events("admin.user.changed").exists()


def test_admin_password_change_is_audited_without_the_hash(admin_client, odense, make_user):
    user = make_user(odense, Role.CASEWORKER, username="karen")
    response = admin_client.post(f"/admin/accounts/user/{user.pk}/password/", {
        "password1": "nyt-langt-kodeord-2026", "password2": "nyt-langt-kodeord-2026", "set_usable_password": "true",
    })
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("nyt-langt-kodeord-2026")
    (event,) = _events("admin.user.password_changed")
    assert event.after == {"usable_password": True} and event.organisation_id == odense.pk


def test_rulebook_versions_are_read_only_with_pretty_content(admin_client, agreements):
    version = RulebookVersion.objects.first()
    page = admin_client.get(f"/admin/registry/rulebookversion/{version.pk}/change/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "<pre" in html and version.key in html and 'name="_save"' not in html
    assert admin_client.get("/admin/registry/rulebookversion/add/").status_code == 403
    delete = admin_client.post(f"/admin/registry/rulebookversion/{version.pk}/delete/", {"post": "yes"})
    assert delete.status_code == 403
    assert RulebookVersion.objects.filter(pk=version.pk).exists()


def test_the_audit_trail_is_read_only_in_admin(admin_client, reference):
    event = AuditEvent.objects.get(event_type="reference.loaded")
    assert admin_client.get("/admin/accounts/auditevent/").status_code == 200
    assert admin_client.get("/admin/accounts/auditevent/add/").status_code == 403
    change = admin_client.post(f"/admin/accounts/auditevent/{event.pk}/change/", {"event_type": "forfalsket"})
    assert change.status_code == 403
    assert admin_client.post(f"/admin/accounts/auditevent/{event.pk}/delete/", {"post": "yes"}).status_code == 403
    event.refresh_from_db()
    assert event.event_type == "reference.loaded"


def test_every_registered_model_admin_is_audited_or_read_only():
    from django.contrib import admin

    from rammeaftale.accounts.admin_audit import AuditedModelAdmin, ReadOnlyModelAdmin

    registered = {model._meta.label: type(model_admin) for model, model_admin in admin.site._registry.items()}
    assert set(registered) >= {
        "parties.Organisation", "parties.Population", "registry.RulebookVersion", "registry.Agreement",
        "registry.LegalParagraph", "registry.TargetGroup", "registry.Offer", "tariffs.Tariff", "accounts.User",
        "accounts.AuditEvent",
    }
    unaudited = [label for label, cls in registered.items()
                 if not issubclass(cls, (AuditedModelAdmin, ReadOnlyModelAdmin))]
    assert unaudited == []


def test_every_admin_list_and_form_renders(admin_client, agreements, odense, make_offer):
    offer = make_offer(odense)
    pages = ["/admin/", f"/admin/registry/offer/{offer.pk}/change/", f"/admin/parties/organisation/{odense.pk}/change/",
             f"/admin/registry/agreement/{agreements[0].pk}/change/", "/admin/registry/offer/?q=Solsikken",
             "/admin/parties/organisation/?kind__exact=municipality", "/admin/accounts/auditevent/?q=offer"]
    pages.append("/admin/parties/organisation/")
    for model in ("rulebookversion", "agreement", "legalparagraph", "targetgroup", "offer"):
        pages.append(f"/admin/registry/{model}/")
    pages += ["/admin/tariffs/tariff/", "/admin/tariffs/tariff/add/", "/admin/accounts/user/",
              "/admin/accounts/user/add/", "/admin/accounts/auditevent/", "/admin/registry/offer/add/"]
    for page in pages:
        assert admin_client.get(page).status_code == 200, page


def test_tariff_admin_change_is_audited_for_the_operator(admin_client, odense, system, make_offer):
    from rammeaftale.registry.services import service_create
    from rammeaftale.tariffs.models import Tariff

    service = service_create(actor=system, offer=make_offer(odense), name="Basis")
    tariff = Tariff.objects.create(service=service, year=2026, amount_ore=234_550, origin="published")
    url = f"/admin/tariffs/tariff/{tariff.pk}/change/"
    data = form_data(admin_client.get(url)) | {"amount_ore": 240_000}
    assert admin_client.post(url, data).status_code == 302
    (changed,) = _events("admin.tariff.changed")
    assert (changed.before["amount_ore"], changed.after["amount_ore"]) == (234_550, 240_000)
    assert changed.organisation_id == odense.pk
    assert "2.400,00 kr." in admin_client.get("/admin/tariffs/tariff/").content.decode()


@pytest.mark.django_db(transaction=True)
def test_admin_writes_audit_inside_their_own_transaction(admin_client, odense, make_offer):
    """Outside the test's wrapping transaction: audit_record refuses to write outside one, so these pass only
    because the change page and the bulk delete each run in transaction.atomic."""
    offer = make_offer(odense, name="Første")
    url = f"/admin/registry/offer/{offer.pk}/change/"
    assert admin_client.post(url, form_data(admin_client.get(url)) | {"name": "Anden"}).status_code == 302
    response = admin_client.post("/admin/registry/offer/", {
        "action": "delete_selected", "_selected_action": [offer.pk], "post": "yes",
    })
    assert response.status_code == 302 and not Offer.objects.exists()
    assert [e.event_type for e in AuditEvent.objects.filter(event_type__startswith="admin.").order_by("id")] == [
        "admin.offer.changed", "admin.offer.deleted"]
