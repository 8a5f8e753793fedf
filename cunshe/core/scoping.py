"""Scoped querysets and managers: the only road from a view to scoped rows.

`Model.objects.within(jurisdiction)` filters by region-code prefix. Any other read through the
default manager (`.all()`, `.filter()`, `.get()`) raises ScopeError unless a `system_scope` is
active or the manager belongs to an already-loaded object (e.g. `household.members.all()`).
"""

from __future__ import annotations

from typing import Any

from django.db import models

from cunshe.core.jurisdiction import Jurisdiction, ScopeError, active_system_scope


class ScopedQuerySet(models.QuerySet):
    region_field = "region_code"

    def within(self, jurisdiction: Jurisdiction | None) -> ScopedQuerySet:
        """Rows inside the jurisdiction's subtrees; None is an error, never 'everything'."""
        if jurisdiction is None:
            raise ScopeError(f"{self.model.__name__}: query without a jurisdiction")
        return self.filter(jurisdiction.q(self.region_field))


class ScopedManager(models.Manager.from_queryset(ScopedQuerySet)):  # type: ignore[misc]
    def get_queryset(self) -> ScopedQuerySet:
        # Related managers (obj.children.all()) reach rows through an object already in scope.
        if getattr(self, "instance", None) is None and active_system_scope() is None:
            raise ScopeError(
                f"{self.model.__name__}.objects used without within(jurisdiction); "
                "use a selector, or system_scope(reason) in commands and tasks."
            )
        return super().get_queryset()

    def within(self, jurisdiction: Jurisdiction | None) -> ScopedQuerySet:
        return super().get_queryset().within(jurisdiction)


def prefix_index(name: str, field: str = "region_code") -> models.Index:
    """Index serving `LIKE 'prefix%'` on PostgreSQL whatever the collation."""
    return models.Index(fields=[field], name=name, opclasses=["varchar_pattern_ops"])


class ScopedModel(models.Model):
    """A row that hangs off a node of the administrative tree (region_code kept in step)."""

    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    region_code = models.CharField(max_length=15, editable=False)

    objects = ScopedManager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.region_id is not None:
            self.region_code = self.region.code
        super().save(*args, **kwargs)
