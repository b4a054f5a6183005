"""iptformulate: Interpersonal Psychotherapy case formulation from an interpersonal inventory.

Decision support for clinicians and trainers, not a diagnosis: the clinician decides.

    >>> import iptformulate
    >>> f = iptformulate.formulate(iptformulate.examples.load("grief_widower"))
    >>> f.primary_focus
    'grief'
"""

from importlib import import_module
from typing import TYPE_CHECKING, Any

from . import examples
from ._version import __version__
from .compare import Comparison, compare
from .errors import CaseError, IPTFormulateError, RuleError
from .formulation.model import Formulation
from .limits import Limits
from .loading import load_case, load_cases, parse_case, read_cases
from .model import Case
from .pipeline import FormulateOptions, formulate
from .redact import redact

if TYPE_CHECKING:
    from .agreement import Evaluation, evaluate, load_gold
    from .batch import BatchResult, formulate_many
    from .tabular import to_dataframe

# Imported on first use, so `import iptformulate` and the command line start faster. (`compare`
# and `redact` stay eager: they share their module's name, and a later import of the submodule
# would replace the function on the package with the module.)
_LAZY = {
    "Evaluation": "agreement",
    "evaluate": "agreement",
    "load_gold": "agreement",
    "BatchResult": "batch",
    "formulate_many": "batch",
    "to_dataframe": "tabular",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'iptformulate' has no attribute {name!r}")
    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


__all__ = [
    "BatchResult",
    "Case",
    "CaseError",
    "Comparison",
    "Evaluation",
    "FormulateOptions",
    "Formulation",
    "IPTFormulateError",
    "Limits",
    "RuleError",
    "__version__",
    "compare",
    "evaluate",
    "examples",
    "formulate",
    "formulate_many",
    "load_case",
    "load_cases",
    "load_gold",
    "parse_case",
    "read_cases",
    "redact",
    "to_dataframe",
]
