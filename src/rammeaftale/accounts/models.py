"""Users, the roles they hold for their organisation, and the audit trail of every write."""
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone


class Role(models.TextChoices):
    CASEWORKER = "caseworker", "Sagsbehandler"
    ECONOMIST = "economist", "Økonomi"
    OPERATOR = "operator", "Driftsherre"
    SECRETARIAT = "secretariat", "Sekretariat"
    ADMINISTRATOR = "administrator", "Administrator"


class User(AbstractUser):
    """A person acting for exactly one organisation; what they may do comes from their roles.

    `is_superuser` marks a platform superuser, made only by `rammeaftale createsuperuser`; Django admin is theirs
    alone, so `is_staff` (admin access) is never set without it (a database constraint).
    """

    organisation = models.ForeignKey(
        "parties.Organisation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        verbose_name="organisation",
    )
    # Set when an administrator gives the user a password (on creation or reset): until the user has chosen their
    # own, every page leads to the password change and the user acts with no rights (accounts.actor).
    password_change_required = models.BooleanField("skal skifte adgangskode", default=False)

    class Meta:
        verbose_name = "bruger"
        verbose_name_plural = "brugere"
        constraints = [
            models.CheckConstraint(condition=models.Q(is_staff=False) | models.Q(is_superuser=True),
                                   name="user_staff_only_superuser"),
        ]

    @property
    def role_codes(self) -> frozenset[str]:
        return frozenset(self.user_roles.values_list("role", flat=True))


class UserRole(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="user_roles")
    role = models.CharField("rolle", max_length=20, choices=Role.choices)

    class Meta:
        verbose_name = "rolle"
        verbose_name_plural = "roller"
        constraints = [models.UniqueConstraint(fields=["user", "role"], name="user_role_unique")]

    def __str__(self) -> str:
        return self.get_role_display()


class AuditEvent(models.Model):
    """One write (or a read of personal data): who, for which organisation, what, before and after, when."""

    occurred_at = models.DateTimeField("tidspunkt", default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="bruger"
    )
    actor_username = models.CharField("brugernavn", max_length=150)
    actor_organisation = models.ForeignKey(
        "parties.Organisation", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name="brugerens organisation",
    )
    organisation = models.ForeignKey(
        "parties.Organisation", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name="berørt organisation",
    )
    event_type = models.CharField("hændelse", max_length=64, db_index=True)
    object_type = models.CharField("objekttype", max_length=64, blank=True)
    object_id = models.CharField("objekt-id", max_length=64, blank=True)
    object_repr = models.CharField("objekt", max_length=200, blank=True)
    before = models.JSONField("før", null=True, blank=True)
    after = models.JSONField("efter", null=True, blank=True)
    reason = models.TextField("begrundelse", blank=True)

    class Meta:
        verbose_name = "revisionshændelse"
        verbose_name_plural = "revisionsspor"
        ordering = ["-occurred_at", "-id"]
        indexes = [models.Index(fields=["organisation", "-occurred_at"], name="audit_org_time")]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.actor_username} {self.event_type} {self.object_repr}"
