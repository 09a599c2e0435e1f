"""TariffChange now belongs to tariffs (state only: the table stays and is renamed by tariffs 0004); invoice lines
count their days older than the claim limit (SEL § 174 stk. 2) day by day."""
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('billing', '0001_initial'),
        ('tariffs', '0003_tariffchange_from_billing_provisional'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name='TariffChange')],
            database_operations=[],
        ),
        migrations.AddField(
            model_name='invoiceline',
            name='late_amount_ore',
            field=models.BigIntegerField(default=0, verbose_name='heraf beløb for de dage (øre)'),
        ),
        migrations.AddField(
            model_name='invoiceline',
            name='late_days',
            field=models.PositiveIntegerField(default=0, verbose_name='dage ydet for mere end 12 måneder siden'),
        ),
    ]
