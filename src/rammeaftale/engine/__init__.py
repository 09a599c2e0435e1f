"""Pure calculations (no Django): tariffs, true-up, later settlement and occupancy. Dataclasses in, dataclasses out."""
