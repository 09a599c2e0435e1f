"""Organisation and Population belong to the parties app (a base layer under accounts and registry); their tables keep
their names, so only Django's state changes."""
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0001_initial'),
        ('parties', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='auditevent',
                    name='actor_organisation',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='parties.organisation', verbose_name='brugerens organisation'),
                ),
                migrations.AlterField(
                    model_name='auditevent',
                    name='organisation',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='parties.organisation', verbose_name='berørt organisation'),
                ),
                migrations.AlterField(
                    model_name='user',
                    name='organisation',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='users', to='parties.organisation', verbose_name='organisation'),
                ),
            ],
            database_operations=[],
        ),
    ]
