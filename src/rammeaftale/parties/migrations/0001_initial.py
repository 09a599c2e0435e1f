"""Organisation and Population belong to the parties app (a base layer under accounts and registry); their tables keep
their names, so only Django's state changes."""
import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('registry', '0002_category_assessment'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='Organisation',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(choices=[('municipality', 'Kommune'), ('region', 'Region'), ('private_operator', 'Privat driftsherre'), ('secretariat', 'Sekretariat')], max_length=20, verbose_name='type')),
                        ('code', models.CharField(blank=True, max_length=10, verbose_name='officiel kode')),
                        ('name', models.CharField(max_length=200, verbose_name='navn')),
                        ('cvr', models.CharField(blank=True, max_length=8, verbose_name='CVR-nummer')),
                        ('ean', models.CharField(blank=True, max_length=13, verbose_name='EAN-nummer (GLN)')),
                        ('address', models.CharField(blank=True, max_length=200, verbose_name='adresse')),
                        ('postcode', models.CharField(blank=True, max_length=4, verbose_name='postnummer')),
                        ('city', models.CharField(blank=True, max_length=100, verbose_name='by')),
                        ('region', models.ForeignKey(blank=True, limit_choices_to={'kind': 'region'}, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='members', to='parties.organisation', verbose_name='region')),
                    ],
                    options={
                        'verbose_name': 'organisation',
                        'verbose_name_plural': 'organisationer',
                        'db_table': 'registry_organisation',
                        'ordering': ['name'],
                    },
                ),
                migrations.CreateModel(
                    name='Population',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('year', models.PositiveSmallIntegerField(verbose_name='år')),
                        ('inhabitants', models.PositiveIntegerField(verbose_name='indbyggere')),
                        ('source', models.CharField(max_length=200, verbose_name='kilde')),
                        ('organisation', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='populations', to='parties.organisation')),
                    ],
                    options={
                        'verbose_name': 'befolkningstal',
                        'verbose_name_plural': 'befolkningstal',
                        'db_table': 'registry_population',
                    },
                ),
                migrations.AddConstraint(
                    model_name='organisation',
                    constraint=models.UniqueConstraint(condition=models.Q(('code', ''), _negated=True), fields=('kind', 'code'), name='organisation_code_unique'),
                ),
                migrations.AddConstraint(
                    model_name='organisation',
                    constraint=models.UniqueConstraint(condition=models.Q(('cvr', ''), _negated=True), fields=('cvr',), name='organisation_cvr_unique'),
                ),
                migrations.AddConstraint(
                    model_name='organisation',
                    constraint=models.UniqueConstraint(condition=models.Q(('ean', ''), _negated=True), fields=('ean',), name='organisation_ean_unique'),
                ),
                migrations.AddConstraint(
                    model_name='population',
                    constraint=models.UniqueConstraint(fields=('organisation', 'year'), name='population_unique'),
                ),
            ],
            database_operations=[],
        ),
    ]
