"""Before `evals` imports `agents` and `tools`: make sure they are ours, not namesakes.

A user's `agents.py` or `tools.py`, or the OpenAI Agents SDK (also imported as `agents`), would
otherwise break the import deep inside with an unrelated message. The check itself lives in
`agents/_shadow.py`; it is loaded from its file because `agents` may be the very thing hidden.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

_CHECKER = Path(__file__).resolve().parent.parent / "agents" / "_shadow.py"


def check_imports() -> None:
    """Raise an ImportError that names the file hiding `agents` or `tools`, if one does."""
    if not _CHECKER.is_file():
        return  # an unusual install: let the imports speak for themselves
    spec = importlib.util.spec_from_file_location("_gemma_agents_shadow", _CHECKER)
    if spec is None or spec.loader is None:
        return  # an unusual install: let the imports speak for themselves
    checker = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(checker)
    for name in ("agents", "tools"):
        checker.check(name)


check_imports()
