"""REST API for occupancy: the twice-yearly report and the analysis."""
from ninja import Router

from rammeaftale.occupancy.api_analysis import router as analysis_router

router = Router(tags=["Belægning"])
router.add_router("/analysis", analysis_router)
