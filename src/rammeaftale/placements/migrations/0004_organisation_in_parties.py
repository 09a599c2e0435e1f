"""Organisation and Population belong to the parties app (a base layer under accounts and registry); their tables keep
their names, so only Django's state changes."""
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('parties', '0001_initial'),
        ('placements', '0003_payment_agreement'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='placement',
                    name='acting_municipality',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='acting_placements', to='parties.organisation', verbose_name='handlekommune'),
                ),
                migrations.AlterField(
                    model_name='placement',
                    name='paying_municipality',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='paying_placements', to='parties.organisation', verbose_name='betalingskommune'),
                ),
            ],
            database_operations=[],
        ),
    ]
