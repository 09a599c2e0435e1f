"""User administration in the app (issue 16, part 5): an organisation's administrator creates its users, changes
their roles, deactivates them and resets their passwords — each through an audited service, never for another
organisation, never locking the organisation out — and a password an administrator handed over is changed first."""
import pytest
from django.test import Client
from django.urls import reverse

from rammeaftale.accounts.actor import actor_from_user
from rammeaftale.accounts.login_throttle import login_lockouts
from rammeaftale.accounts.models import AuditEvent, Role, User
from rammeaftale.accounts.permissions import roles_for_organisation_kind
from rammeaftale.accounts.services import (
    one_time_password,
    user_active_set,
    user_create,
    user_password_change,
    user_password_reset,
    user_roles_set,
    user_update,
)
from rammeaftale.core.errors import DomainError, NotAllowed
from rammeaftale.parties.models import OrganisationKind
from tests.conftest import PASSWORD

NEW_PASSWORD = "en-lang-ny-adgangskode-7"


@pytest.fixture
def esbjerg_admin(esbjerg, make_user):
    return make_user(esbjerg, Role.ADMINISTRATOR, username="esbjerg-admin", first_name="Anna")


@pytest.fixture
def admin(esbjerg_admin, actor_of):
    return actor_of(esbjerg_admin)


def events(event_type: str):
    return AuditEvent.objects.filter(event_type=event_type)


def written() -> tuple[int, int]:
    return User.objects.count(), AuditEvent.objects.count()


# --- which roles an organisation's users may hold ----------------------------------------------------------------


def test_the_roles_offered_follow_the_kind_of_organisation():
    """A secretariat has no caseworkers or operator staff; a private operator no caseworkers or secretariat."""
    assert roles_for_organisation_kind(OrganisationKind.MUNICIPALITY) == [
        Role.CASEWORKER, Role.ECONOMIST, Role.OPERATOR, Role.ADMINISTRATOR]
    assert roles_for_organisation_kind(OrganisationKind.REGION) == [
        Role.CASEWORKER, Role.ECONOMIST, Role.OPERATOR, Role.ADMINISTRATOR]
    assert roles_for_organisation_kind(OrganisationKind.PRIVATE_OPERATOR) == [
        Role.ECONOMIST, Role.OPERATOR, Role.ADMINISTRATOR]
    assert roles_for_organisation_kind(OrganisationKind.SECRETARIAT) == [
        Role.ECONOMIST, Role.SECRETARIAT, Role.ADMINISTRATOR]


def test_a_role_outside_the_organisations_kind_is_refused_naming_the_kinds(secretariat_syd, make_user, actor_of):
    admin = actor_of(make_user(secretariat_syd, Role.ADMINISTRATOR, username="sek-admin"))
    before = written()
    with pytest.raises(DomainError, match="Rollen sagsbehandler kan kun gives til brugere i en kommune eller en "
                                          "region") as caught:
        user_create(actor=admin, username="ny", password=NEW_PASSWORD, organisation=secretariat_syd,
                    roles=[Role.CASEWORKER])
    assert caught.value.field == "roles" and written() == before
    user = user_create(actor=admin, username="ny", password=NEW_PASSWORD, organisation=secretariat_syd,
                       roles=[Role.SECRETARIAT])
    assert user.role_codes == {"secretariat"}


# --- create -----------------------------------------------------------------------------------------------------


def test_an_administrator_creates_a_caseworker_who_must_change_the_password(admin, esbjerg):
    user = user_create(actor=admin, username="ny-sagsbehandler", password=NEW_PASSWORD, organisation=esbjerg,
                       roles=[Role.CASEWORKER], first_name="Nina", last_name="Ny", email="nina@esbjerg.dk",
                       password_change_required=True)
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD) and user.password_change_required and user.is_active
    assert not user.is_staff and not user.is_superuser and user.organisation == esbjerg
    assert user.role_codes == {"caseworker"}
    (event,) = events("user.created").filter(object_id=str(user.pk))
    assert event.actor_username == "esbjerg-admin" and event.organisation_id == esbjerg.pk
    assert event.after == {"username": "ny-sagsbehandler", "organisation": esbjerg.pk, "roles": ["caseworker"],
                           "first_name": "Nina", "last_name": "Ny", "email": "nina@esbjerg.dk",
                           "password_change_required": True}
    assert NEW_PASSWORD not in str(event.after)


def test_a_weak_password_is_refused_by_djangos_validators_and_nothing_is_written(admin, esbjerg):
    before = written()
    with pytest.raises(DomainError, match="Adgangskode: .*for kort") as caught:
        user_create(actor=admin, username="ny", password="kort1", organisation=esbjerg, roles=[Role.CASEWORKER])
    assert caught.value.field == "password"
    with pytest.raises(DomainError, match="Adgangskode: .*for almindelig"):
        user_create(actor=admin, username="ny", password="password123", organisation=esbjerg,
                    roles=[Role.CASEWORKER])
    assert written() == before


@pytest.mark.parametrize("taken", ["esbjerg-admin", "Esbjerg-Admin"])
def test_a_username_clash_names_the_field_and_writes_nothing(admin, esbjerg, taken):
    before = written()
    with pytest.raises(DomainError, match=f"Brugernavn: «{taken}» er optaget") as caught:
        user_create(actor=admin, username=taken, password=NEW_PASSWORD, organisation=esbjerg,
                    roles=[Role.CASEWORKER])
    assert caught.value.field == "username" and written() == before


def test_a_username_with_spaces_or_a_bad_email_is_refused(admin, esbjerg):
    before = written()
    with pytest.raises(DomainError, match="Brugernavn: «to ord» må kun") as caught:
        user_create(actor=admin, username="to ord", password=NEW_PASSWORD, organisation=esbjerg,
                    roles=[Role.CASEWORKER])
    assert caught.value.field == "username"
    with pytest.raises(DomainError, match="E-mail: «ikke-en-adresse» er ikke en gyldig") as caught:
        user_create(actor=admin, username="ny", password=NEW_PASSWORD, organisation=esbjerg,
                    roles=[Role.CASEWORKER], email="ikke-en-adresse")
    assert caught.value.field == "email" and written() == before


def test_the_one_time_password_is_random_readable_and_passes_the_validators(admin, esbjerg):
    passwords = {one_time_password() for _ in range(50)}
    assert len(passwords) == 50
    for password in passwords:
        assert len(password) == 14 and password.count("-") == 2
        assert not set(password) & set("0O1lI")
    user = user_create(actor=admin, username="ny", password=passwords.pop(), organisation=esbjerg,
                       roles=[Role.ECONOMIST], password_change_required=True)
    assert user.password_change_required


# --- another organisation's users ------------------------------------------------------------------------------


def test_an_administrator_changes_nothing_for_another_organisation(admin, odense, make_user):
    foreign = make_user(odense, Role.CASEWORKER, username="ole-odense")
    before = written()
    for write in (
        lambda: user_create(actor=admin, username="fremmed", password=NEW_PASSWORD, organisation=odense,
                            roles=[Role.CASEWORKER]),
        lambda: user_update(actor=admin, user=foreign, first_name="X", last_name="", email="",
                            roles=[Role.ECONOMIST]),
        lambda: user_active_set(actor=admin, user=foreign, is_active=False),
        lambda: user_password_reset(actor=admin, user=foreign, password=NEW_PASSWORD),
    ):
        with pytest.raises(NotAllowed, match="Kun organisationens administrator"):
            write()
    foreign.refresh_from_db()
    assert written() == before
    assert foreign.is_active and foreign.first_name == "" and foreign.check_password(PASSWORD)
    assert foreign.role_codes == {"caseworker"} and not foreign.password_change_required


def test_a_secretariat_administrator_administers_only_the_secretariats_users(secretariat_syd, esbjerg, make_user,
                                                                              actor_of):
    """Its region's municipalities administer their own staff: the permission model has no region-wide grant."""
    secretariat_admin = actor_of(make_user(secretariat_syd, Role.ADMINISTRATOR, username="sek-admin"))
    caseworker = make_user(esbjerg, Role.CASEWORKER, username="sara")
    with pytest.raises(NotAllowed):
        user_active_set(actor=secretariat_admin, user=caseworker, is_active=False)
    with pytest.raises(NotAllowed):
        user_create(actor=secretariat_admin, username="ny", password=NEW_PASSWORD, organisation=esbjerg,
                    roles=[Role.CASEWORKER])
    caseworker.refresh_from_db()
    assert caseworker.is_active and not User.objects.filter(username="ny").exists()


def test_a_caseworker_administers_nobody(esbjerg, make_user, actor_of):
    caseworker = actor_of(make_user(esbjerg, Role.CASEWORKER, username="sara"))
    colleague = make_user(esbjerg, Role.CASEWORKER, username="kollega")
    with pytest.raises(NotAllowed):
        user_password_reset(actor=caseworker, user=colleague, password=NEW_PASSWORD)
    with pytest.raises(NotAllowed):
        user_roles_set(actor=caseworker, user=colleague, roles=[Role.ADMINISTRATOR])
    assert colleague.role_codes == {"caseworker"}


def test_a_platform_superuser_in_the_organisation_is_not_its_administrators(admin, esbjerg, make_superuser):
    steward = make_superuser("forvalter", esbjerg, Role.ADMINISTRATOR)
    with pytest.raises(NotAllowed):
        user_active_set(actor=admin, user=steward, is_active=False)
    with pytest.raises(NotAllowed):
        user_password_reset(actor=admin, user=steward, password=NEW_PASSWORD)
    steward.refresh_from_db()
    assert steward.is_active and steward.check_password(PASSWORD)


# --- the organisation is never locked out ------------------------------------------------------------------------


def test_an_administrator_cannot_remove_their_own_administrator_role(admin, esbjerg_admin):
    before = written()
    with pytest.raises(DomainError, match="du kan ikke fjerne din egen administratorrolle") as caught:
        user_update(actor=admin, user=esbjerg_admin, first_name="Anna", last_name="", email="",
                    roles=[Role.ECONOMIST])
    assert caught.value.field == "roles"
    with pytest.raises(DomainError, match="din egen administratorrolle"):
        user_roles_set(actor=admin, user=esbjerg_admin, roles=[Role.CASEWORKER])
    assert esbjerg_admin.role_codes == {"administrator"} and written() == before
    # Adding a role beside it is fine.
    assert user_update(actor=admin, user=esbjerg_admin, first_name="Anna", last_name="", email="",
                       roles=[Role.ADMINISTRATOR, Role.ECONOMIST]) == ["roles"]
    assert esbjerg_admin.role_codes == {"administrator", "economist"}


def test_an_administrator_cannot_deactivate_themself(admin, esbjerg_admin):
    before = written()
    with pytest.raises(DomainError, match="Du kan ikke deaktivere dig selv"):
        user_active_set(actor=admin, user=esbjerg_admin, is_active=False)
    esbjerg_admin.refresh_from_db()
    assert esbjerg_admin.is_active and written() == before


def test_another_administrator_may_remove_an_administrators_role(admin, esbjerg, make_user):
    colleague = make_user(esbjerg, Role.ADMINISTRATOR, username="kollega-admin")
    user_roles_set(actor=admin, user=colleague, roles=[Role.ECONOMIST])
    assert colleague.role_codes == {"economist"}


# --- change, deactivate, reactivate -------------------------------------------------------------------------------


def test_a_change_audits_only_the_fields_that_changed(admin, esbjerg, make_user):
    user = make_user(esbjerg, Role.CASEWORKER, username="sara", first_name="Sara", email="sara@esbjerg.dk")
    changed = user_update(actor=admin, user=user, first_name="Sara", last_name="Sagsbehandler",
                          email="sara@esbjerg.dk", roles=[Role.CASEWORKER, Role.ECONOMIST])
    assert changed == ["last_name", "roles"]
    (event,) = events("user.changed")
    assert event.before == {"last_name": "", "roles": ["caseworker"]}
    assert event.after == {"last_name": "Sagsbehandler", "roles": ["caseworker", "economist"]}
    assert event.organisation_id == esbjerg.pk and event.actor_username == "esbjerg-admin"
    # Nothing changed: nothing written.
    assert user_update(actor=admin, user=user, first_name="Sara", last_name="Sagsbehandler",
                       email="sara@esbjerg.dk", roles=[Role.ECONOMIST, Role.CASEWORKER]) == []
    assert events("user.changed").count() == 1


def test_deactivating_stops_the_login_and_reactivating_restores_it(admin, esbjerg, make_user):
    user = make_user(esbjerg, Role.CASEWORKER, username="sara")
    user_active_set(actor=admin, user=user, is_active=False)
    assert not Client().login(username="sara", password=PASSWORD)
    (event,) = events("user.deactivated")
    assert event.before == {"is_active": True} and event.after == {"is_active": False}
    user_active_set(actor=admin, user=user, is_active=False)  # already: no second event
    assert events("user.deactivated").count() == 1
    user_active_set(actor=admin, user=user, is_active=True)
    assert Client().login(username="sara", password=PASSWORD)
    assert events("user.reactivated").get().after == {"is_active": True}


# --- passwords ----------------------------------------------------------------------------------------------------


def test_a_reset_sets_a_password_to_change_and_lifts_the_login_lockout(admin, esbjerg, make_user, settings):
    user = make_user(esbjerg, Role.CASEWORKER, username="sara")
    client = Client()
    for n in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("web:login"), {"username": "sara", "password": f"forkert-{n}"})
    assert "sara" in login_lockouts(usernames=["sara"])
    cleared = user_password_reset(actor=admin, user=user, password=NEW_PASSWORD)
    assert cleared == 1 and login_lockouts(usernames=["sara"]) == {}
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD) and user.password_change_required
    (event,) = events("user.password_reset")
    assert event.after == {"password_change_required": True, "login_records_cleared": 1}
    assert NEW_PASSWORD not in str(event.before) + str(event.after) + event.reason
    response = Client().post(reverse("web:login"), {"username": "sara", "password": NEW_PASSWORD})
    assert response.status_code == 302


def test_a_reset_to_a_weak_password_changes_nothing(admin, esbjerg, make_user):
    user = make_user(esbjerg, Role.CASEWORKER, username="sara")
    with pytest.raises(DomainError, match="Adgangskode:") as caught:
        user_password_reset(actor=admin, user=user, password="12345678")
    assert caught.value.field == "password"
    user.refresh_from_db()
    assert user.check_password(PASSWORD) and not user.password_change_required
    assert not events("user.password_reset").exists()


def test_until_the_password_is_changed_the_user_acts_with_no_rights(admin, esbjerg, make_user):
    user = make_user(esbjerg, Role.CASEWORKER, Role.ADMINISTRATOR, username="sara")
    user_password_reset(actor=admin, user=user, password=NEW_PASSWORD)
    user.refresh_from_db()
    restricted = actor_from_user(user)
    assert restricted.user_id == user.pk and restricted.organisation_id is None and not restricted.roles
    assert not restricted.has_role(Role.CASEWORKER) and not restricted.is_authenticated
    user_password_change(actor=restricted, user=user, password="sara-vaelger-selv-9")
    user.refresh_from_db()
    assert not user.password_change_required and user.check_password("sara-vaelger-selv-9")
    assert actor_from_user(user).roles == {"caseworker", "administrator"}
    (event,) = events("user.password_changed")
    assert event.before == {"password_change_required": True} and event.organisation_id == esbjerg.pk


def test_only_the_user_changes_their_own_password_this_way(admin, esbjerg, make_user):
    user = make_user(esbjerg, Role.CASEWORKER, username="sara")
    with pytest.raises(NotAllowed):
        user_password_change(actor=admin, user=user, password=NEW_PASSWORD)
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
