"""The notice terms are recorded when notice is given (full tariff during notice, by the rules in force that day),
and an end before the notice allows records the operator's agreement."""
from django.db import migrations, models


def _years(agreement) -> range:
    return range(agreement.year_from, agreement.year_to + 1)


def notice_terms_fill(apps, schema_editor):
    """Placements with notice already given: the rule of the agreement in force on the notice day (the newest
    agreement covering its year, else the newest before it), as `registry.rules.rules_in_force` decides."""
    Placement = apps.get_model('placements', 'Placement')
    Agreement = apps.get_model('registry', 'Agreement')
    agreements = {}
    for agreement in Agreement.objects.select_related('rulebook').order_by('-year_from', '-pk'):
        agreements.setdefault(agreement.region_id, []).append(agreement)
    memo = {}
    for placement in Placement.objects.filter(notice_given_on__isnull=False).select_related('offer__municipality'):
        region_id, year = placement.offer.municipality.region_id, placement.notice_given_on.year
        if (region_id, year) not in memo:
            candidates = agreements.get(region_id, [])
            chosen = next((a for a in candidates if year in _years(a)), None) or max(
                (a for a in candidates if a.year_to < year), key=lambda a: a.year_to, default=None)
            value = True
            if chosen is not None:
                value = chosen.rulebook.content['notice']['full_tariff_during_notice']['value']
            memo[(region_id, year)] = value
        placement.notice_full_tariff = memo[(region_id, year)]
        placement.save(update_fields=['notice_full_tariff'])


class Migration(migrations.Migration):

    dependencies = [
        ('placements', '0001_initial'),
        ('registry', '0002_category_assessment'),
    ]

    operations = [
        migrations.AddField(
            model_name='placement',
            name='early_end_agreement',
            field=models.CharField(blank=True, help_text='Hvem hos driftsherren der accepterede, og hvornår; tom, når varslet er overholdt.', max_length=300, verbose_name='driftsherrens accept af en slutdato før opsigelsesvarslet'),
        ),
        migrations.AddField(
            model_name='placement',
            name='notice_full_tariff',
            field=models.BooleanField(blank=True, help_text='Afgjort af reglerne den dag, opsigelsen blev givet; også efter en tidligere fraflytning.', null=True, verbose_name='fuld takst i hele opsigelsesperioden'),
        ),
        migrations.RunPython(notice_terms_fill, migrations.RunPython.noop),
    ]
