"""Alerts: raising, the escalation ladder, acknowledgement and closing (being built).

`alert_raise` is the entry point other parts call (terminal ingestion for SOS, fall and removed
devices; the missed check-in sweep)."""

from __future__ import annotations

from datetime import date, datetime

from cunshe.care.models import Alert, Terminal, TerminalEvent


def alert_raise(
    *,
    terminal: Terminal,
    kind: str,
    at: datetime,
    source_event: TerminalEvent | None = None,
    for_date: date | None = None,
) -> Alert | None:
    """Open an alert for the terminal's wearer; None when an equal one is already open (a
    second SOS press while the first is unanswered joins it) or already raised for the day."""
    raise NotImplementedError("being built by the alerts part")
