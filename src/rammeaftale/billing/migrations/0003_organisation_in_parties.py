"""Organisation and Population belong to the parties app (a base layer under accounts and registry); their tables keep
their names, so only Django's state changes."""
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('billing', '0002_tariffchange_to_tariffs_late_days'),
        ('parties', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='accountmapping',
                    name='buyer',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='account_mappings', to='parties.organisation', verbose_name='køber'),
                ),
                migrations.AlterField(
                    model_name='invoice',
                    name='buyer',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='invoices_received', to='parties.organisation', verbose_name='køber (betalingskommune)'),
                ),
                migrations.AlterField(
                    model_name='invoice',
                    name='seller',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='invoices_sent', to='parties.organisation', verbose_name='sælger'),
                ),
                migrations.AlterField(
                    model_name='paymentaccount',
                    name='organisation',
                    field=models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='payment_account', to='parties.organisation'),
                ),
                migrations.AlterField(
                    model_name='settlementrun',
                    name='seller',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='settlement_runs', to='parties.organisation', verbose_name='sælger'),
                ),
            ],
            database_operations=[],
        ),
    ]
