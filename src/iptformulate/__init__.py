"""iptformulate: Interpersonal Psychotherapy case formulation from an interpersonal inventory.

Decision support for clinicians and trainers, not a diagnosis: the clinician decides.

    >>> import iptformulate
    >>> f = iptformulate.formulate(iptformulate.examples.load("grief_widower"))
    >>> f.primary_focus
    'grief'
"""

from importlib import import_module
from typing import TYPE_CHECKING, Any

from ._version import __version__
from .errors import CaseError, IPTFormulateError, ProfileError, RuleError

if TYPE_CHECKING:
    from . import examples
    from .agreement import Evaluation, evaluate, load_gold
    from .batch import BatchResult, Formulator, formulate_many
    from .comparison import Comparison, compare
    from .formulation.model import Formulation
    from .limits import Limits
    from .loading import load_case, load_cases, parse_case, read_cases
    from .model import Case
    from .pipeline import FormulateOptions, formulate
    from .redaction import redact
    from .tabular import to_dataframe

# Everything else is imported on first use: `import iptformulate` stays cheap, and the command
# line can configure pydantic before any model class is built.
_LAZY = {
    "examples": "",
    "Evaluation": "agreement",
    "evaluate": "agreement",
    "load_gold": "agreement",
    "BatchResult": "batch",
    "Formulator": "batch",
    "formulate_many": "batch",
    "Comparison": "comparison",
    "compare": "comparison",
    "Formulation": "formulation.model",
    "Limits": "limits",
    "load_case": "loading",
    "load_cases": "loading",
    "parse_case": "loading",
    "read_cases": "loading",
    "Case": "model",
    "FormulateOptions": "pipeline",
    "formulate": "pipeline",
    "redact": "redaction",
    "to_dataframe": "tabular",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'iptformulate' has no attribute {name!r}")
    if module:
        value = getattr(import_module(f".{module}", __name__), name)
    else:
        value = import_module(f".{name}", __name__)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


__all__ = [
    "BatchResult",
    "Case",
    "CaseError",
    "Comparison",
    "Evaluation",
    "FormulateOptions",
    "Formulation",
    "Formulator",
    "IPTFormulateError",
    "Limits",
    "ProfileError",
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
