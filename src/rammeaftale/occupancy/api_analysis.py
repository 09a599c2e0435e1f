"""REST API for the capacity and occupancy analysis."""
from ninja import Router

router = Router(tags=["Belægning"])
