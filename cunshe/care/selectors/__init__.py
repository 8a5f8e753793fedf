"""Scoped reads of the care app, one module per part. Every read of profiles starts from
`cunshe.care.access.visible_profiles` so the minors rule is applied in one place."""
