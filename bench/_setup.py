"""What the benchmarks share: Django on a fresh SQLite file in a temporary folder, migrated."""
import os
import tempfile


def django_on_fresh_sqlite() -> tempfile.TemporaryDirectory:
    """Set up Django on a new SQLite database in a temporary folder (returned: clean it up at the end)."""
    folder = tempfile.TemporaryDirectory(prefix="rammeaftale-bench-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rammeaftale.config.settings")
    os.environ.pop("DATABASE_URL", None)
    os.environ["RAMMEAFTALE_VAR_DIR"] = folder.name

    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    return folder
