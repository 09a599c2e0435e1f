"""Organisation and Population belong to the parties app (a base layer under accounts and registry); their tables keep
their names, so only Django's state changes."""
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0002_organisation_in_parties'),
        ('billing', '0003_organisation_in_parties'),
        ('occupancy', '0002_organisation_in_parties'),
        ('placements', '0004_organisation_in_parties'),
        ('tariffs', '0005_organisation_in_parties'),
        ('parties', '0001_initial'),
        ('registry', '0002_category_assessment'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(
                    model_name='organisation',
                    name='region',
                ),
                migrations.AlterField(
                    model_name='offer',
                    name='municipality',
                    field=models.ForeignKey(limit_choices_to={'kind': 'municipality'}, on_delete=django.db.models.deletion.PROTECT, related_name='located_offers', to='parties.organisation', verbose_name='beliggenhedskommune'),
                ),
                migrations.AlterField(
                    model_name='agreement',
                    name='region',
                    field=models.ForeignKey(limit_choices_to={'kind': 'region'}, on_delete=django.db.models.deletion.PROTECT, related_name='agreements', to='parties.organisation', verbose_name='region'),
                ),
                migrations.AlterField(
                    model_name='offer',
                    name='operator',
                    field=models.ForeignKey(limit_choices_to={'kind__in': ('municipality', 'region', 'private_operator')}, on_delete=django.db.models.deletion.PROTECT, related_name='offers', to='parties.organisation', verbose_name='driftsherre'),
                ),
                migrations.DeleteModel(
                    name='Population',
                ),
                migrations.DeleteModel(
                    name='Organisation',
                ),
            ],
            database_operations=[],
        ),
    ]
