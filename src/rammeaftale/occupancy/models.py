"""Occupancy reports: the operator's twice-yearly report of offers whose occupancy deviates from budget."""
