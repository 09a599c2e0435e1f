"""The moved TariffChange gets the tariffs app's table name."""
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('billing', '0002_tariffchange_to_tariffs_late_days'),
        ('tariffs', '0003_tariffchange_from_billing_provisional'),
    ]

    operations = [
        migrations.AlterModelTable(name='tariffchange', table=None),
    ]
