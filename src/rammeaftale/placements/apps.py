from django.apps import AppConfig


class PlacementsConfig(AppConfig):
    name = "rammeaftale.placements"
    label = "placements"
    verbose_name = "Placeringer: køb af pladser, kontrakter og opsigelser"
