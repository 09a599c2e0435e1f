"""Steering the economy (issue 14): spending against P/L, state refusion for especially expensive cases (SEL § 176),
the guarantee model for new places, and demand. The calculations are pure, in `engine/`; this app reads and writes."""
