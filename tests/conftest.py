"""Shared fixtures: reference data, organisations, users per role, offers built through the services."""
import contextlib
import io
import os
import subprocess
import sys
from datetime import date

import pytest
from django.db import transaction
from django.test import override_settings

from rammeaftale.accounts.actor import Actor, actor_from_user
from rammeaftale.accounts.models import Role, User, UserRole
from rammeaftale.accounts.services import user_create
from rammeaftale.parties.models import Organisation, OrganisationKind
from rammeaftale.registry import services as registry_services
from rammeaftale.registry.models import LegalParagraph, TargetGroup

PASSWORD = "test-adgangskode-42"

# The day every test runs on, whatever the calendar says: the pages, API and console read it through
# `rammeaftale.core.clock` and pass it down as `today=`, so no test depends on the day it runs.
TODAY = date(2026, 12, 6)
os.environ["RAMMEAFTALE_TODAY"] = TODAY.isoformat()


@contextlib.contextmanager
def built_once_per_module(django_db_blocker):
    """For a module-scoped fixture: data built once for all the module's tests, inside a transaction that is rolled
    back when the module ends. Each test still runs in its own transaction (pytest-django's `db`, a savepoint in this
    one), so what a test writes is undone before the next. The module's tests share one xdist worker: mark the module
    `pytestmark = pytest.mark.xdist_group(...)` (`make test` distributes with --dist loadgroup)."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield
        transaction.set_rollback(True)


def console(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    """`rammeaftale ARGS` run in this process, as the console runs it (`rammeaftale.cli.main`: argument parsing,
    the command, its exit code), without starting an interpreter and Django for each call (about 1 s of CPU). For
    the JSON commands' many input cases; each command also has a test through a real process."""
    from rammeaftale.cli import main

    out, err, code = io.StringIO(), io.StringIO(), 0
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err), \
            _stdin(io.StringIO(stdin or "")):
        try:
            main(list(args))
        except SystemExit as exit_:
            code = exit_.code if isinstance(exit_.code, int) else 1
    return subprocess.CompletedProcess(["rammeaftale", *args], code, out.getvalue(), err.getvalue())


@contextlib.contextmanager
def _stdin(stream):
    saved, sys.stdin = sys.stdin, stream
    try:
        yield
    finally:
        sys.stdin = saved


@pytest.fixture(scope="session", autouse=True)
def fast_password_hashing():
    """Every test hashes passwords with MD5 instead of the deployed PBKDF2 (a million rounds, about 0.3–0.9 s a
    password here): users are made in nearly every test, and HTTP Basic checks the password on every request.
    Hashing is Django's and not under test; that the deployment keeps Django's PBKDF2 is
    test_production.py's `test_passwords_are_hashed_with_djangos_pbkdf2_where_deployed`. Tests only."""
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


@pytest.fixture
def system() -> Actor:
    return Actor.system()


@pytest.fixture
def reference(db, system):
    """The 98 municipalities, 5 regions, secretariats, paragraphs and target groups."""
    return registry_services.reference_data_load(actor=system)


@pytest.fixture
def agreements(reference, system):
    return registry_services.agreements_from_rulebooks(actor=system)


def _org(kind: str, code: str) -> Organisation:
    return Organisation.objects.get(kind=kind, code=code)


@pytest.fixture
def region_syd(reference) -> Organisation:
    return _org(OrganisationKind.REGION, "1083")


@pytest.fixture
def region_hovedstaden(reference) -> Organisation:
    return _org(OrganisationKind.REGION, "1084")


@pytest.fixture
def esbjerg(reference) -> Organisation:
    return _org(OrganisationKind.MUNICIPALITY, "561")


@pytest.fixture
def odense(reference) -> Organisation:
    return _org(OrganisationKind.MUNICIPALITY, "461")


@pytest.fixture
def copenhagen(reference) -> Organisation:
    return _org(OrganisationKind.MUNICIPALITY, "101")


@pytest.fixture
def secretariat_syd(reference) -> Organisation:
    return _org(OrganisationKind.SECRETARIAT, "1083")


@pytest.fixture
def make_user(db):
    """make_user(organisation, Role.CASEWORKER, ...) -> User, created through the audited service."""
    counter = iter(range(1, 10_000))

    def make(organisation: Organisation, *roles: str, username: str | None = None, **extra):
        return user_create(
            actor=Actor.system(), username=username or f"bruger{next(counter)}", password=PASSWORD,
            organisation=organisation, roles=list(roles) or [Role.CASEWORKER], **extra,
        )

    return make


@pytest.fixture
def make_superuser(db):
    """make_superuser(username, organisation=None, *roles) -> a platform superuser, made the one way there is:
    Django's `create_superuser`, which `rammeaftale createsuperuser` calls (no service makes one)."""

    def make(username: str, organisation: Organisation | None = None, *roles: str):
        user = User.objects.create_superuser(username=username, password=PASSWORD, organisation=organisation)
        UserRole.objects.bulk_create([UserRole(user=user, role=role) for role in roles])
        return user

    return make


@pytest.fixture
def actor_of():
    return actor_from_user


@pytest.fixture
def make_offer(reference, system):
    """make_offer(operator, name=..., places=10, paragraphs=("sel-108",), ...) -> Offer."""

    def make(operator: Organisation, *, name: str = "Botilbuddet Solsikken", municipality: Organisation | None = None,
             paragraphs: tuple[str, ...] = ("sel-108",), target_groups: tuple[str, ...] = ("udviklingshaemning",),
             offer_type: str = "residential", places: int | None = 10, internal_note: str = "",
             tilbudsportalen_id: str | None = None, actor: Actor | None = None, ages: tuple = (None, None)):
        if municipality is None:
            municipality = operator if operator.kind == OrganisationKind.MUNICIPALITY else (
                Organisation.objects.filter(kind=OrganisationKind.MUNICIPALITY, region=operator.region).first()
            )
        acting = actor or system
        offer = registry_services.offer_create(
            actor=acting,
            data=registry_services.OfferInput(
                operator=operator, municipality=municipality, name=name, offer_type=offer_type,
                paragraphs=list(LegalParagraph.objects.filter(code__in=paragraphs)),
                target_groups=list(TargetGroup.objects.filter(code__in=target_groups)),
                internal_note=internal_note, tilbudsportalen_id=tilbudsportalen_id, age_from=ages[0], age_to=ages[1],
            ),
        )
        if places is not None:
            registry_services.offer_capacity_set(actor=acting, offer=offer, valid_from=date(2020, 1, 1), places=places)
        return offer

    return make


def pytest_terminal_summary(terminalreporter):
    """How long each part of the suite took, summed over its tests' setup, call and teardown (with workers, the
    parts run side by side: the sums add up to more than the wall-clock time). docs/performance.md quotes these."""
    seconds: dict[str, float] = {}
    for reports in terminalreporter.stats.values():
        for report in reports:
            nodeid = getattr(report, "nodeid", "")
            if nodeid.startswith("tests/") and hasattr(report, "duration"):
                part = nodeid.split("/")[1]
                seconds[part] = seconds.get(part, 0.0) + report.duration
    if seconds:
        terminalreporter.write_line("Tid pr. del (test-sekunder): " + ", ".join(
            f"{part} {total:.0f} s" for part, total in sorted(seconds.items())))


def pytest_sessionfinish(session, exitstatus):
    """In CI a skipped test, or a run without the browser tests, fails the run: no silent skips."""
    if os.environ.get("CI") != "true" or exitstatus != 0:
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is None:
        return
    skipped = len(reporter.stats.get("skipped", []))
    browser_ran = any(
        report.when == "call" and "browser" in report.keywords for report in reporter.stats.get("passed", [])
    )
    if skipped:
        reporter.write_line(f"CI: {skipped} test(s) skipped; every test must run in CI.", red=True)
        session.exitstatus = 1
    elif not browser_ran and session.config.args_source == pytest.Config.ArgsSource.TESTPATHS:  # a full run
        reporter.write_line("CI: no browser test ran; the browser tests must run in CI.", red=True)
        session.exitstatus = 1
