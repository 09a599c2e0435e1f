"""Organisation and Population belong to the parties app (a base layer under accounts and registry); their tables keep
their names, so only Django's state changes."""
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('parties', '0001_initial'),
        ('tariffs', '0004_tariffchange_table'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='reserveentry',
                    name='operator',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='reserve_entries', to='parties.organisation'),
                ),
            ],
            database_operations=[],
        ),
    ]
