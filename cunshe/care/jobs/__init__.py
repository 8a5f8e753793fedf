"""Periodic jobs of the care app (registered through `cunshe.care.tasks`)."""
