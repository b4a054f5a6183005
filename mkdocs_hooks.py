"""mkdocs hook: point links that reach outside docs/ at the pages that include those files.

The generated rule docs (docs/rules/*.md) link to rules/README.md so that they also read well on
GitHub; on the site that file is the Rule authoring page (docs/rule-authoring.md includes it).
"""

from __future__ import annotations

from typing import Any

_OUTSIDE = {"../../rules/README.md": "../rule-authoring.md"}


def on_page_markdown(markdown: str, page: Any, **_: Any) -> str:
    for target, page_path in _OUTSIDE.items():
        markdown = markdown.replace(f"]({target}", f"]({page_path}")
    return markdown
