"""Django admin is for platform superusers only: `is_staff` without `is_superuser` is withdrawn, then forbidden."""
from django.db import migrations, models


def staff_without_superuser_withdrawn(apps, schema_editor):
    apps.get_model("accounts", "User").objects.filter(is_staff=True, is_superuser=False).update(is_staff=False)


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0002_organisation_in_parties'),
        ('auth', '0012_alter_user_first_name_max_length'),
        ('parties', '0001_initial'),
    ]

    operations = [
        migrations.RunPython(staff_without_superuser_withdrawn, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name='user',
            constraint=models.CheckConstraint(condition=models.Q(('is_staff', False), ('is_superuser', True), _connector='OR'), name='user_staff_only_superuser'),
        ),
    ]
