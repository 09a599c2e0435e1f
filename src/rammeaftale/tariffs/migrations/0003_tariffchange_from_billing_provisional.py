"""TariffChange moves from billing to tariffs (the tariff timeline lives here); its table is kept and renamed in
0004. Tariffs may be provisional (last year's tariff × P/L until the approved one arrives)."""
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('billing', '0001_initial'),
        ('registry', '0002_category_assessment'),
        ('tariffs', '0002_budgets_calculations_pl_true_up'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name='tariff',
            name='origin',
            field=models.CharField(choices=[('published', 'Offentliggjort takst'), ('calculated', 'Beregnet'), ('demo', 'Demodata'), ('provisional', 'Foreløbig (sidste års takst × P/L)')], max_length=20, verbose_name='oprindelse'),
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='TariffChange',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('valid_from', models.DateField(verbose_name='gældende fra')),
                        ('amount_ore', models.BigIntegerField(verbose_name='takst (øre)')),
                        ('monthly_ore', models.BigIntegerField(blank=True, null=True, verbose_name='månedstakst (øre)')),
                        ('reason', models.TextField(verbose_name='begrundelse')),
                        ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='oprettet')),
                        ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('service', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='tariff_changes', to='registry.service')),
                    ],
                    options={
                        'verbose_name': 'takstændring i årets løb',
                        'verbose_name_plural': 'takstændringer i årets løb',
                        'db_table': 'billing_tariffchange',
                        'constraints': [
                            models.UniqueConstraint(fields=('service', 'valid_from'), name='tariff_change_unique'),
                            models.CheckConstraint(condition=models.Q(('amount_ore__gte', 0)), name='tariff_change_not_negative'),
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
