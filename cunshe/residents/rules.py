"""Jilin's numbers for the register (versioned with the code; later issues extend this)."""

RULES_VERSION = "jilin-2026.1"
# Below this age a person's record is a minor's record: visible only to roles that need it.
SENSITIVE_MINOR_AGE = 14
# Lists and exports: rows per page; an export of more than this needs re-authentication.
PAGE_SIZE = 50
