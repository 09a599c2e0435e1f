"""The paying municipality's consent (issue 11): a purchase another municipality pays for is a request to it until it
accepts. Existing placements: not needed where the acting municipality pays, else accepted, noted as predating consent
(they were bought, reserved and invoiced before the rule; withdrawing them now would unbill months already settled)."""
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

PREDATES = "Oprettet, før betalingskommunens accept blev indført; betragtes som accepteret."


def consent_of_existing(apps, schema_editor):
    Placement = apps.get_model("placements", "Placement")
    Placement.objects.exclude(acting_municipality=models.F("paying_municipality")).update(
        payer_consent="accepted", payer_consent_note=PREDATES)


class Migration(migrations.Migration):

    dependencies = [
        ('placements', '0004_organisation_in_parties'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='placement',
            name='payer_consent',
            field=models.CharField(choices=[('not_needed', 'Ikke nødvendig (handlekommunen betaler)'), ('pending', 'Venter på betalingskommunens accept'), ('accepted', 'Accepteret af betalingskommunen'), ('declined', 'Afvist af betalingskommunen')], default='not_needed', help_text='Betaler en anden kommune end handlekommunen, er købet en anmodning til den, indtil den accepterer.', max_length=12, verbose_name='betalingskommunens accept'),
        ),
        migrations.AddField(
            model_name='placement',
            name='payer_consent_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='besvaret'),
        ),
        migrations.AddField(
            model_name='placement',
            name='payer_consent_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='besvaret af'),
        ),
        migrations.AddField(
            model_name='placement',
            name='payer_consent_note',
            field=models.TextField(blank=True, verbose_name='betalingskommunens bemærkning eller begrundelse for afvisning'),
        ),
        migrations.AddField(
            model_name='placement',
            name='payer_justification',
            field=models.TextField(blank=True, help_text='Handlekommunens begrundelse for, at betalingskommunen skal betale; den ser teksten før sin accept.', verbose_name='begrundelse til betalingskommunen'),
        ),
        migrations.AddField(
            model_name='placement',
            name='reserve_on_consent',
            field=models.BooleanField(default=False, help_text='Sagsbehandleren bad om at reservere pladsen; det sker, når betalingskommunen accepterer.', verbose_name='reservér ved accept'),
        ),
        migrations.AddIndex(
            model_name='placement',
            index=models.Index(fields=['paying_municipality', 'payer_consent'], name='placement_payer_consent'),
        ),
        migrations.RunPython(consent_of_existing, migrations.RunPython.noop),
    ]
