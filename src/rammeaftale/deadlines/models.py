"""The calendar's own records: a user's secret feed address (stored as a hash) and the reminders already sent."""
from django.conf import settings
from django.db import models


class CalendarFeed(models.Model):
    """A user's personal iCalendar address. Only the SHA-256 of the token is kept: the address is shown once, when
    made; a new one replaces it and revoking deletes it (both audited)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed")
    token_sha256 = models.CharField("tokenets SHA-256", max_length=64, unique=True)
    created_at = models.DateTimeField("oprettet", auto_now_add=True)

    class Meta:
        verbose_name = "kalenderabonnement"
        verbose_name_plural = "kalenderabonnementer"


class DeadlineReminder(models.Model):
    """A reminder sent to an organisation's users of one deadline: one row per organisation and deadline, so the
    daily run reminds once."""

    organisation = models.ForeignKey("parties.Organisation", on_delete=models.CASCADE, related_name="+")
    region = models.ForeignKey("parties.Organisation", on_delete=models.CASCADE, related_name="+")
    deadline_key = models.CharField("frist", max_length=80)
    due = models.DateField("frist den")
    sent_on = models.DateField("sendt den")
    recipients = models.PositiveIntegerField("modtagere")

    class Meta:
        verbose_name = "påmindelse om frist"
        verbose_name_plural = "påmindelser om frister"
        constraints = [models.UniqueConstraint(fields=["organisation", "region", "deadline_key", "due"],
                                               name="deadline_reminder_once")]
