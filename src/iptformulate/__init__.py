"""iptformulate: Interpersonal Psychotherapy case formulation from an interpersonal inventory.

Decision support for clinicians and trainers, not a diagnosis: the clinician decides.
"""

from ._version import __version__
from .errors import CaseError, IPTFormulateError, RuleError
from .loading import load_case, load_cases, parse_case, read_cases
from .model import Case

__all__ = [
    "Case",
    "CaseError",
    "IPTFormulateError",
    "RuleError",
    "__version__",
    "load_case",
    "load_cases",
    "parse_case",
    "read_cases",
]
