"""A user given a password by an administrator must choose their own at the next login."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0003_staff_only_superuser'),
    ]

    operations = [
        migrations.AddField(
            model_name='user',
            name='password_change_required',
            field=models.BooleanField(default=False, verbose_name='skal skifte adgangskode'),
        ),
    ]
