"""The `rammeaftale` console command: Django's management commands with the project's settings."""
import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rammeaftale.config.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["rammeaftale", *(sys.argv[1:] if argv is None else argv)])
