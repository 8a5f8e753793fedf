"""Service-desk fixtures: the register's fixtures (a household in village A, `register`), plus
the catalogue's sample items (`items`)."""

from cunshe.residents.tests.conftest import clerk_j, household_a, register  # noqa: F401
