"""Organisation and Population belong to the parties app (a base layer under accounts and registry); their tables keep
their names, so only Django's state changes."""
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('occupancy', '0001_initial'),
        ('parties', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='occupancyreport',
                    name='operator',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='occupancy_reports', to='parties.organisation', verbose_name='driftsherre'),
                ),
            ],
            database_operations=[],
        ),
    ]
