"""Rule packs: the clinical rules, profiles and policies kept as data in `rules/`."""

from .compile import CompiledPack, CompiledRule, compile_pack, compiled
from .load import RulePack, default_rules_dir, load_pack
from .spec import FixtureFile, ProfileSpec, RuleSpec

__all__ = [
    "CompiledPack",
    "CompiledRule",
    "FixtureFile",
    "ProfileSpec",
    "RulePack",
    "RuleSpec",
    "compile_pack",
    "compiled",
    "default_rules_dir",
    "load_pack",
]
