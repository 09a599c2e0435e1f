"""The users pages (issue 16, part 5): create with a one-time or chosen password, change, deactivate after a
confirmation, reset a password; hostile posts for another organisation's users write nothing; and a user whose
password an administrator set reaches nothing before choosing their own."""
import base64
import re

import pytest
from django.test import Client
from django.urls import reverse

from rammeaftale.accounts.models import AuditEvent, Role, User
from tests.conftest import PASSWORD

CHOSEN = "valgt-startkode-2026"


@pytest.fixture
def admin_user(esbjerg, make_user):
    return make_user(esbjerg, Role.ADMINISTRATOR, username="esbjerg-admin", first_name="Anna",
                     last_name="Administrator")


@pytest.fixture
def page(admin_user) -> Client:
    client = Client()
    client.force_login(admin_user)
    return client


def written() -> tuple[int, int]:
    return User.objects.count(), AuditEvent.objects.count()


def one_time_password(html: str) -> str:
    return re.search(r'id="one-time-password">([^<]+)<', html).group(1)


def new_user(**overrides) -> dict:
    return {"username": "nina", "first_name": "Nina", "last_name": "Ny", "email": "nina@esbjerg.dk",
            "roles": [Role.CASEWORKER], "how": "generate", **overrides}


def test_the_list_links_to_creating_and_to_each_user(page, admin_user):
    html = page.get(reverse("accounts:user_list")).content.decode()
    assert f'href="{reverse("accounts:user_create")}"' in html and "Opret bruger" in html
    assert f'href="{reverse("accounts:user_detail", args=[admin_user.pk])}"' in html


def test_the_create_form_offers_only_the_roles_of_the_organisations_kind(page, secretariat_syd, make_user):
    html = page.get(reverse("accounts:user_create")).content.decode()
    assert 'value="caseworker"' in html and 'value="secretariat"' not in html
    secretariat = Client()
    secretariat.force_login(make_user(secretariat_syd, Role.ADMINISTRATOR, username="sek-admin"))
    html = secretariat.get(reverse("accounts:user_create")).content.decode()
    assert 'value="secretariat"' in html and 'value="caseworker"' not in html and 'value="operator"' not in html
    assert "Socialsekretariatet Syddanmark" in html


def test_creating_with_a_one_time_password_shows_it_once_and_the_user_must_change_it(page, esbjerg):
    response = page.post(reverse("accounts:user_create"), new_user())
    html = response.content.decode()
    assert response.status_code == 200 and "Brugeren er oprettet" in html
    assert "vises kun her, denne ene gang" in html
    password = one_time_password(html)
    user = User.objects.get(username="nina")
    assert user.organisation == esbjerg and user.role_codes == {"caseworker"} and user.email == "nina@esbjerg.dk"
    assert user.password_change_required and user.check_password(password)
    assert password not in str(AuditEvent.objects.get(event_type="user.created", object_id=str(user.pk)).after)
    # The detail page never shows it again.
    assert password not in page.get(reverse("accounts:user_detail", args=[user.pk])).content.decode()


def test_creating_with_a_chosen_password_validates_it_with_djangos_validators(page):
    before = written()
    response = page.post(reverse("accounts:user_create"),
                         new_user(how="choose", new_password1="kort", new_password2="kort"))
    html = response.content.decode()
    assert response.status_code == 200 and "Intet er gemt." in html and "for kort" in html
    mismatch = page.post(reverse("accounts:user_create"),
                         new_user(how="choose", new_password1=CHOSEN, new_password2=CHOSEN + "x"))
    assert "De to adgangskoder var ikke identiske." in mismatch.content.decode()
    empty = page.post(reverse("accounts:user_create"), new_user(how="choose"))
    assert "Skriv startkoden, eller vælg en engangskode." in empty.content.decode()
    assert written() == before
    response = page.post(reverse("accounts:user_create"),
                         new_user(how="choose", new_password1=CHOSEN, new_password2=CHOSEN), follow=True)
    user = User.objects.get(username="nina")
    assert "Brugeren «nina» er oprettet" in response.content.decode()
    assert user.check_password(CHOSEN) and user.password_change_required


def test_a_username_clash_is_a_danish_message_under_the_field(page, admin_user):
    before = written()
    response = page.post(reverse("accounts:user_create"), new_user(username="ESBJERG-admin"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Brugernavn: «ESBJERG-admin» er optaget; vælg et andet brugernavn." in html  # the error summary
    assert '<p class="field-error" id="id_username_error">«ESBJERG-admin» er optaget' in html  # under the field
    assert written() == before


def test_a_role_the_form_does_not_offer_is_refused(page):
    before = written()
    html = page.post(reverse("accounts:user_create"), new_user(roles=[Role.SECRETARIAT])).content.decode()
    assert "Marker en gyldig valgmulighed. secretariat er ikke en af de tilgængelige" in html and written() == before


def test_changing_roles_and_name_on_the_users_page(page, esbjerg, make_user):
    user = make_user(esbjerg, Role.CASEWORKER, username="sara")
    response = page.post(reverse("accounts:user_detail", args=[user.pk]),
                         {"first_name": "Sara", "last_name": "S", "email": "", "roles": [Role.ECONOMIST]}, follow=True)
    assert "«sara» er gemt." in response.content.decode()
    user.refresh_from_db()
    assert user.role_codes == {"economist"} and user.first_name == "Sara"
    assert AuditEvent.objects.get(event_type="user.changed").after == {
        "first_name": "Sara", "last_name": "S", "roles": ["economist"]}


def test_removing_the_own_administrator_role_is_refused_on_the_page(page, admin_user):
    before = written()
    response = page.post(reverse("accounts:user_detail", args=[admin_user.pk]),
                         {"first_name": "Anna", "last_name": "Administrator", "email": "",
                          "roles": [Role.ECONOMIST]})
    assert "du kan ikke fjerne din egen administratorrolle" in response.content.decode()
    assert admin_user.role_codes == {"administrator"} and written() == before


def test_deactivation_asks_first_showing_who_then_deactivates(page, esbjerg, make_user):
    user = make_user(esbjerg, Role.CASEWORKER, username="sara", first_name="Sara", last_name="Sagsbehandler")
    confirm = page.get(reverse("accounts:user_deactivate", args=[user.pk])).content.decode()
    assert "Deaktivér Sara Sagsbehandler?" in confirm and "<dd>sara</dd>" in confirm
    assert "Sagsbehandler</dd>" in confirm and "Esbjerg Kommune" in confirm
    user.refresh_from_db()
    assert user.is_active  # asking changed nothing
    response = page.post(reverse("accounts:user_deactivate", args=[user.pk]), follow=True)
    assert "«sara» er deaktiveret" in response.content.decode()
    user.refresh_from_db()
    assert not user.is_active
    response = page.post(reverse("accounts:user_reactivate", args=[user.pk]), follow=True)
    assert "«sara» er genaktiveret" in response.content.decode()
    user.refresh_from_db()
    assert user.is_active


def test_an_administrator_cannot_deactivate_themself_on_the_page(page, admin_user):
    confirm = page.get(reverse("accounts:user_deactivate", args=[admin_user.pk])).content.decode()
    assert "Du kan ikke deaktivere dig selv" in confirm and 'type="submit" class="button">Deaktivér' not in confirm
    before = written()
    response = page.post(reverse("accounts:user_deactivate", args=[admin_user.pk]))
    assert response.status_code == 400 and "Du kan ikke deaktivere dig selv" in response.content.decode()
    admin_user.refresh_from_db()
    assert admin_user.is_active and written() == before


def test_a_password_reset_on_the_page_shows_the_one_time_password(page, esbjerg, make_user):
    user = make_user(esbjerg, Role.CASEWORKER, username="sara")
    response = page.post(reverse("accounts:user_password_reset", args=[user.pk]), {"how": "generate"})
    html = response.content.decode()
    assert "Adgangskoden er nulstillet" in html
    user.refresh_from_db()
    assert user.check_password(one_time_password(html)) and user.password_change_required


@pytest.mark.parametrize("name,data", [
    ("accounts:user_detail", {"first_name": "X", "last_name": "", "email": "", "roles": [Role.ECONOMIST]}),
    ("accounts:user_deactivate", {}),
    ("accounts:user_reactivate", {}),
    ("accounts:user_password_reset", {"how": "choose", "new_password1": CHOSEN, "new_password2": CHOSEN}),
    ("accounts:user_unlock", {}),
])
def test_a_post_for_another_organisations_user_is_not_found_and_writes_nothing(page, odense, make_user, name, data):
    foreign = make_user(odense, Role.CASEWORKER, username="ole-odense")
    before = written()
    response = page.post(reverse(name, args=[foreign.pk]), data)
    assert response.status_code == 404
    foreign.refresh_from_db()
    assert written() == before and foreign.is_active and foreign.check_password(PASSWORD)
    assert foreign.first_name == "" and foreign.role_codes == {"caseworker"}


def test_the_users_pages_are_for_administrators_only(esbjerg, make_user):
    colleague = make_user(esbjerg, Role.CASEWORKER, username="kollega")
    client = Client()
    client.force_login(make_user(esbjerg, Role.CASEWORKER, username="sara"))
    before = written()
    assert client.get(reverse("accounts:user_create")).status_code == 403
    assert client.post(reverse("accounts:user_create"), new_user()).status_code == 403
    assert client.post(reverse("accounts:user_deactivate", args=[colleague.pk])).status_code == 403
    assert written() == before


# --- the password an administrator set is changed first ----------------------------------------------------------


def test_a_user_given_a_password_changes_it_before_anything_else(page):
    html = page.post(reverse("accounts:user_create"), new_user()).content.decode()
    password = one_time_password(html)
    client = Client()
    response = client.post(reverse("web:login"), {"username": "nina", "password": password}, follow=True)
    change = reverse("accounts:password_change")
    assert response.redirect_chain[-1][0] == change
    assert "Din adgangskode er givet af en administrator" in response.content.decode()
    assert client.get(reverse("registry:offer_list"))["Location"] == change
    api = client.get("/api/offers")
    assert api.status_code == 403 and api.json()["code"] == "password_change_required"
    refused = client.post(change, {"old_password": password, "new_password1": "kort", "new_password2": "kort"})
    assert "for kort" in refused.content.decode()
    response = client.post(change, {"old_password": password, "new_password1": "ninas-egen-kode-31",
                                    "new_password2": "ninas-egen-kode-31"}, follow=True)
    assert "Din adgangskode er skiftet." in response.content.decode()
    assert response.redirect_chain[-1][0] == reverse("registry:offer_list")  # still logged in, in the app
    user = User.objects.get(username="nina")
    assert not user.password_change_required and user.check_password("ninas-egen-kode-31")
    assert client.get(reverse("registry:offer_list")).status_code == 200
    assert AuditEvent.objects.filter(event_type="user.password_changed", object_id=str(user.pk)).exists()


def test_http_basic_with_a_password_to_change_reads_nothing(page, esbjerg):
    html = page.post(reverse("accounts:user_create"), new_user(roles=[Role.CASEWORKER])).content.decode()
    token = base64.b64encode(f"nina:{one_time_password(html)}".encode()).decode()
    for path in ("/api/placements", "/api/offers", "/api/me"):
        response = Client().get(path, headers={"Authorization": f"Basic {token}"})
        assert response.status_code == 403 and response.json()["code"] == "password_change_required"


def test_the_platform_opens_a_user_without_an_organisation_but_gives_it_no_roles_here(make_superuser):
    platform = make_superuser("platform")
    client = Client()
    client.force_login(platform)
    assert client.get(reverse("accounts:user_detail", args=[platform.pk])).status_code == 200
    response = client.post(reverse("accounts:user_detail", args=[platform.pk]),
                           {"first_name": "", "last_name": "", "email": "", "roles": [Role.CASEWORKER]})
    assert response.status_code == 200 and not platform.role_codes

