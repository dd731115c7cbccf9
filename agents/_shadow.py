"""Fail clearly when a user's file hides one of the framework's top-level packages.

The framework installs three top-level packages: `agents`, `tools` and `evals`. Python looks in
the script's folder (or the current one) before the installed packages, so a `tools.py` next to
a script hides ours, and `from agents import Agent` used to fail deep inside with "No module
named 'tools.errors'". `check` runs before the first import of such a package, and names the
file that hides it. Importing this module checks `tools`, which `agents` needs from the start.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import sys
from pathlib import Path

# A file that each of our packages holds, to tell a copy of ours from a namesake.
MARKERS = {"agents": "_run.py", "tools": "_toolset.py", "evals": "runner.py"}


class ShadowedPackageError(ImportError):
    """A module of the user's (or another library's) has the name of one of our packages."""


def check(name: str) -> None:
    """Raise `ShadowedPackageError` if `import name` does not give the framework's package.

    Does nothing when the package cannot be found at all (Python's own error says so) or when
    it lives where it cannot be looked into (a zip file): only a clear case is reported.
    """
    found = locate(name)
    if found is not None and not is_ours(name, found):
        raise ShadowedPackageError(message(name, found), name=name)


def locate(name: str) -> importlib.machinery.ModuleSpec | None:
    """The spec of what `import name` gives: the imported module's, or the one Python would find."""
    module = sys.modules.get(name)
    if module is not None:
        spec = getattr(module, "__spec__", None)
        return spec if isinstance(spec, importlib.machinery.ModuleSpec) else None
    try:
        return importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return None


def is_ours(name: str, spec: importlib.machinery.ModuleSpec) -> bool:
    """False only when `spec` is a file or folder on disk that is not our package `name`."""
    folders = [Path(p) for p in spec.submodule_search_locations or ()]
    if folders:
        if not all(f.is_dir() for f in folders):
            return True  # inside a zip file or similar: cannot tell, so do not accuse it
        return any((f / MARKERS[name]).is_file() for f in folders)
    return not (spec.origin and Path(spec.origin).is_file())


def message(name: str, spec: importlib.machinery.ModuleSpec) -> str:
    """What hides our package `name`, and what to do about it."""
    folders = list(spec.submodule_search_locations or ())
    shown = folders[0] if folders else spec.origin
    kind = "folder" if folders else "file"
    text = f"`import {name}` finds the {kind} {shown}, which hides gemma-agents' own package `{name}`."
    if any(part in ("site-packages", "dist-packages") for part in Path(str(shown)).parts):
        text += (
            f" Another installed distribution provides a top-level `{name}`: "
            "uninstall it, or give each its own virtual environment."
        )
    else:
        rename = f"my_{name}/" if folders else f"my_{name}.py"
        text += (
            " Python looks in the script's folder and the current one before installed packages. "
            f"Rename that {kind} (for example to {rename}) and change your imports of it to match; "
            f"gemma-agents needs the name `{name}` for itself."
        )
    if name == "agents":
        text += " " + sdk_clash()
    return text


def sdk_clash() -> str:
    """The known clash with the OpenAI Agents SDK, whose import name is also `agents`."""
    from importlib.metadata import packages_distributions

    owners = sorted(set(packages_distributions().get("agents", [])))
    installed = f" Distributions installed here that provide `agents`: {', '.join(owners)}." if owners else ""
    return (
        "The OpenAI Agents SDK (openai-agents) is also imported as `agents`: the two cannot share "
        f"an environment, so give each its own virtual environment.{installed}"
    )


check("tools")
