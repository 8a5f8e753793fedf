"""Volunteering and incentives (MISSION.md area 4): volunteers and stations, activities and
shifts, recorded hours and certificates, needs and matching, the points ledger (积分制) and the
points store (爱心超市). Start with docs/volunteering.md."""
