"""What other modules know about a person, for the "other modules" section of the person page.

Modules that arrive later (care, service desk, volunteering, mediation …) register a provider:

    from cunshe.residents import related

    @related.provider
    def care_profiles(jurisdiction, person):
        return [related.RelatedEntry(_("留守儿童档案"), _("高风险"), url)]

A provider receives the viewer's jurisdiction and the person (already checked to be visible to
them) and must itself respect the viewer's permissions: it returns only what that viewer may see.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from cunshe.core.jurisdiction import Jurisdiction


@dataclass(frozen=True)
class RelatedEntry:
    module: Any  # a label (lazy string) naming the module, e.g. "三留守关爱"
    text: Any  # what it knows, one line
    url: str = ""


Provider = Callable[[Jurisdiction, Any], Iterable[RelatedEntry]]
PROVIDERS: list[Provider] = []


def provider(func: Provider) -> Provider:
    """Register a provider (usable as a decorator); registering twice is harmless."""
    if func not in PROVIDERS:
        PROVIDERS.append(func)
    return func


def related_for(jurisdiction: Jurisdiction, person: Any) -> list[RelatedEntry]:
    """Every registered module's entries about this person, in registration order."""
    out: list[RelatedEntry] = []
    for func in PROVIDERS:
        out.extend(func(jurisdiction, person))
    return out
