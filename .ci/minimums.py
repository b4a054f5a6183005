"""Print a pip constraints file that pins every declared lower bound of the project.

`.ci/run` installs the package with these constraints to prove that the lowest versions
`pyproject.toml` allows still work: a lower bound that no longer installs or passes is caught.
Requirements without a lower bound stay unconstrained (pip takes the newest).

Usage: python .ci/minimums.py [EXTRA ...] > constraints.txt   (the core dependencies always)
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

REQUIREMENT = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*([^;]*?)\s*(;.*)?$")


def minimums(requirements: list[str]) -> list[str]:
    out: list[str] = []
    for requirement in requirements:
        match = REQUIREMENT.match(requirement)
        if match is None:
            raise SystemExit(f"cannot read the requirement {requirement!r}")
        name, _extras, specifiers, marker = match.groups()
        for spec in filter(None, (s.strip() for s in specifiers.split(","))):
            bound = re.fullmatch(r"(>=|==|~=)\s*([^\s,]+)", spec)
            if bound:
                out.append(f"{name}=={bound.group(2)}{marker or ''}")
                break
    return out


def main(extras: list[str]) -> None:
    project = tomllib.loads(Path("pyproject.toml").read_text(encoding="utf-8"))["project"]
    requirements = list(project["dependencies"])
    for extra in extras:
        requirements += project["optional-dependencies"][extra]
    name = project["name"]
    own = [r for r in requirements if not r.startswith(f"{name}[")]
    print("\n".join(minimums(own)))


if __name__ == "__main__":
    main(sys.argv[1:])
