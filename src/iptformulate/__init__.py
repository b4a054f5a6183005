"""iptformulate: Interpersonal Psychotherapy case formulation from an interpersonal inventory.

Decision support for clinicians and trainers, not a diagnosis: the clinician decides.

    >>> import iptformulate
    >>> f = iptformulate.formulate(iptformulate.examples.load("grief_widower"))
    >>> f.primary_focus
    'grief'
"""

from . import examples
from ._version import __version__
from .compare import Comparison, compare
from .errors import CaseError, IPTFormulateError, RuleError
from .formulation.model import Formulation
from .loading import load_case, load_cases, parse_case, read_cases
from .model import Case
from .pipeline import FormulateOptions, formulate

__all__ = [
    "Case",
    "CaseError",
    "Comparison",
    "FormulateOptions",
    "Formulation",
    "IPTFormulateError",
    "RuleError",
    "__version__",
    "compare",
    "examples",
    "formulate",
    "load_case",
    "load_cases",
    "parse_case",
    "read_cases",
]
