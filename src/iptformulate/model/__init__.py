"""The interpersonal-inventory case model."""

from .case import (
    Case,
    Episode,
    Expectation,
    LifeEvent,
    Network,
    Person,
    RiskScreen,
    RoleChange,
    Severity,
    When,
)

__all__ = [
    "Case",
    "Episode",
    "Expectation",
    "LifeEvent",
    "Network",
    "Person",
    "RiskScreen",
    "RoleChange",
    "Severity",
    "When",
]
