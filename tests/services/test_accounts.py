"""Users, roles and the audit trail: who may create whom, and every write leaves an event in its transaction."""
import inspect

import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction

from rammeaftale.accounts.actor import Actor
from rammeaftale.accounts.audit import AuditOutsideTransaction, audit_record
from rammeaftale.accounts.models import AuditEvent, Role, User
from rammeaftale.accounts.selectors import audit_event_list, user_get, user_list
from rammeaftale.accounts.services import user_create, user_roles_set
from rammeaftale.core.errors import DomainError, NotAllowed, NotFound


def test_user_create_records_roles_and_an_audit_event(esbjerg, system):
    user = user_create(actor=system, username="anna", password="x-long-password", organisation=esbjerg,
                       roles=[Role.CASEWORKER, Role.ECONOMIST])
    assert user.role_codes == {"caseworker", "economist"}
    event = AuditEvent.objects.get(event_type="user.created")
    assert event.organisation_id == esbjerg.pk and event.after["roles"] == ["caseworker", "economist"]


def test_an_administrator_creates_users_only_in_own_organisation(esbjerg, odense, make_user, actor_of):
    admin = actor_of(make_user(esbjerg, Role.ADMINISTRATOR))
    user_create(actor=admin, username="ny", password="x-long-password", organisation=esbjerg, roles=[Role.CASEWORKER])
    with pytest.raises(NotAllowed):
        user_create(actor=admin, username="fremmed", password="x", organisation=odense, roles=[Role.CASEWORKER])
    assert not User.objects.filter(username="fremmed").exists()


def test_no_service_makes_a_superuser_or_django_admin_staff(esbjerg, system):
    """Issue 11: a platform superuser is made by `rammeaftale createsuperuser` only (failed before: user_create
    took is_superuser/is_staff, and the demo passed them for `admin`)."""
    assert not {"is_superuser", "is_staff"} & set(inspect.signature(user_create).parameters)
    with pytest.raises(TypeError):
        user_create(actor=system, username="super", password="x-long-password", organisation=esbjerg,
                    roles=[Role.ADMINISTRATOR], is_superuser=True)
    user = user_create(actor=system, username="chef", password="x-long-password", organisation=esbjerg,
                       roles=[Role.ADMINISTRATOR])
    assert not user.is_superuser and not user.is_staff
    assert not User.objects.filter(username="super").exists()


@pytest.mark.django_db(transaction=True)
def test_django_admin_staff_without_superuser_cannot_be_stored(reference):
    """Django admin is for platform superusers only: the database refuses is_staff without is_superuser."""
    with pytest.raises(IntegrityError):
        User.objects.create_user(username="halv", password="x-long-password", is_staff=True)
    assert not User.objects.filter(username="halv").exists()


def test_createsuperuser_makes_the_platform_superuser(reference):
    call_command("createsuperuser", "--noinput", "--username", "platform", "--email", "drift@example.org")
    user = User.objects.get(username="platform")
    assert user.is_superuser and user.is_staff and user.organisation is None


@pytest.mark.parametrize(
    ("roles", "message"),
    [([], "mindst én rolle"), (["chef"], "Ukendt rolle"), ([Role.SECRETARIAT], "sekretariat")],
)
def test_invalid_roles_are_refused_and_nothing_is_written(esbjerg, system, roles, message):
    before = AuditEvent.objects.count()
    with pytest.raises(DomainError, match=message):
        user_create(actor=system, username="x", password="x-long-password", organisation=esbjerg, roles=roles)
    assert not User.objects.filter(username="x").exists()
    assert AuditEvent.objects.count() == before


def test_caseworker_role_needs_a_municipality_or_region(secretariat_syd, system):
    with pytest.raises(DomainError, match="sagsbehandler"):
        user_create(actor=system, username="x", password="x", organisation=secretariat_syd, roles=[Role.CASEWORKER])


def test_roles_change_is_audited_with_before_and_after(esbjerg, make_user, system):
    user = make_user(esbjerg, Role.CASEWORKER)
    user_roles_set(actor=system, user=user, roles=[Role.ECONOMIST])
    event = AuditEvent.objects.get(event_type="user.roles_changed")
    assert event.before == {"roles": ["caseworker"]} and event.after == {"roles": ["economist"]}


@pytest.mark.django_db(transaction=True)
def test_audit_record_refuses_to_write_outside_a_transaction(system):
    with pytest.raises(AuditOutsideTransaction):
        audit_record(actor=system, event_type="x", organisation_id=None)
    with transaction.atomic():
        audit_record(actor=system, event_type="x", organisation_id=None)
    assert AuditEvent.objects.filter(event_type="x").count() == 1


def test_audit_trail_is_for_administrators_of_the_organisation_only(esbjerg, odense, make_user, actor_of):
    esbjerg_admin = actor_of(make_user(esbjerg, Role.ADMINISTRATOR))
    make_user(odense, Role.CASEWORKER, username="odense-bruger")
    events = audit_event_list(actor=esbjerg_admin)
    assert events.exists()
    assert set(events.values_list("organisation_id", flat=True)) == {esbjerg.pk}
    with pytest.raises(NotAllowed):
        audit_event_list(actor=actor_of(make_user(esbjerg, Role.CASEWORKER)))


def test_user_list_shows_only_own_organisation(esbjerg, odense, make_user, actor_of):
    admin = actor_of(make_user(esbjerg, Role.ADMINISTRATOR, username="esbjerg-admin"))
    odense_user = make_user(odense, Role.CASEWORKER, username="odense-bruger")
    assert list(user_list(actor=admin).values_list("username", flat=True)) == ["esbjerg-admin"]
    with pytest.raises(NotFound):
        user_get(actor=admin, user_id=odense_user.pk)
    with pytest.raises(NotAllowed):
        user_list(actor=actor_of(make_user(odense, Role.CASEWORKER)))


def test_an_administrator_changes_roles_only_in_own_organisation(esbjerg, odense, make_user, make_superuser,
                                                                 actor_of):
    admin = actor_of(make_user(esbjerg, Role.ADMINISTRATOR))
    own, foreign = make_user(esbjerg, Role.CASEWORKER), make_user(odense, Role.CASEWORKER)
    user_roles_set(actor=admin, user=own, roles=[Role.ECONOMIST])
    with pytest.raises(NotAllowed):
        user_roles_set(actor=admin, user=foreign, roles=[Role.ECONOMIST])
    steward = make_superuser("forvalter", esbjerg, Role.ADMINISTRATOR)
    with pytest.raises(NotAllowed):  # a platform superuser in the organisation is the platform's, not its admin's
        user_roles_set(actor=admin, user=steward, roles=[Role.CASEWORKER])
    assert foreign.role_codes == {"caseworker"} and steward.role_codes == {"administrator"}


def test_an_administrator_without_an_organisation_reads_no_audit_and_no_users(esbjerg, make_user, actor_of,
                                                                             make_superuser):
    """Failed before: the selectors filtered on organisation None, so such an administrator read every event that
    concerns no organisation (reference data, the demo build, unknown usernames' failed logins) and every
    user without one (platform superusers)."""
    make_superuser("platform")
    stray = make_user(esbjerg, Role.ADMINISTRATOR, username="uden-organisation")
    stray.organisation = None
    stray.save()
    actor = actor_of(stray)
    assert actor.organisation_id is None and actor.has_role(Role.ADMINISTRATOR)
    assert AuditEvent.objects.filter(organisation=None, actor_organisation=None).exists()
    with pytest.raises(NotAllowed):
        audit_event_list(actor=actor)
    with pytest.raises(NotAllowed):
        user_list(actor=actor)


def test_an_administrator_reads_no_foreign_audit_event(esbjerg, odense, make_user, actor_of, make_offer, system):
    """Odense's own events (a user created, an offer written) stay out of Esbjerg's trail, and the other way."""
    esbjerg_admin = actor_of(make_user(esbjerg, Role.ADMINISTRATOR))
    odense_admin = actor_of(make_user(odense, Role.ADMINISTRATOR))
    make_offer(odense, name="Odenses tilbud")
    make_offer(esbjerg, name="Esbjergs tilbud")
    for admin, own, foreign in ((esbjerg_admin, esbjerg, odense), (odense_admin, odense, esbjerg)):
        events = audit_event_list(actor=admin)
        assert events.filter(organisation=own).exists()
        assert not events.filter(organisation=foreign).exclude(actor_organisation=own).exists()
        assert not events.filter(actor_organisation=foreign).exists()


def test_the_anonymous_actor_has_no_organisation_and_no_rights():
    from rammeaftale.accounts.actor import actor_from_user

    anonymous = actor_from_user(None)
    assert not anonymous.is_authenticated and not anonymous.has_role(Role.CASEWORKER)
    assert Actor.system().has_role(Role.ADMINISTRATOR)
