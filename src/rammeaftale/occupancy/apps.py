from django.apps import AppConfig


class OccupancyConfig(AppConfig):
    name = "rammeaftale.occupancy"
    label = "occupancy"
    verbose_name = "Belægning"
