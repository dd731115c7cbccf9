"""The real xgrammar and vLLM's gemma4 argument parser as test oracles, when they are at hand.

Both need torch, so the framework's environment does not carry them; the vLLM server's
environment (scripts/setup-server, `.vllm/venv`) does. All checks of a test module are sent to
one subprocess there (importing torch costs seconds). Tests skip when no such Python exists.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any

_ROOT = Path(__file__).resolve().parents[3]
_SCRIPT = r"""
import json, sys
import xgrammar as xgr
from xgrammar.testing import _is_grammar_accept_string as accepts
jobs = json.load(sys.stdin)
out = {"grammars": [], "vllm": None}
for ebnf, strings in jobs["grammars"]:
    try:
        grammar = xgr.Grammar.from_ebnf(ebnf)
    except Exception as e:
        out["grammars"].append({"error": str(e)})
        continue
    out["grammars"].append({"accepted": [accepts(grammar, s) for s in strings]})
try:
    from vllm.parser.gemma4 import _gemma4_arg_converter
    from vllm.parser.engine.parser_engine import ParserEngine
except ImportError:
    jobs["vllm"] = None
if jobs["vllm"]:
    parsed = []
    for body, properties in jobs["vllm"]:
        args = json.loads(_gemma4_arg_converter(body, False))
        ParserEngine._coerce_dict(args, properties)  # the non-streaming path's type correction
        parsed.append(args)
    out["vllm"] = parsed
json.dump(out, sys.stdout)
"""


@cache
def oracle_python() -> str | None:
    """A Python interpreter that can import xgrammar (and usually vLLM), or None."""
    candidates = [
        os.environ.get("GEMMA_AGENTS_ORACLE_PYTHON", ""),
        sys.executable,
        str(_ROOT / ".vllm" / "venv" / "bin" / "python"),
    ]
    for python in candidates:
        if python and Path(python).exists():
            probe = subprocess.run([python, "-c", "import xgrammar"], capture_output=True, timeout=120)
            if probe.returncode == 0:
                return python
    return None


def run_oracles(
    grammars: list[tuple[str, list[str]]], vllm_bodies: list[tuple[str, dict[str, Any]]] | None = None
) -> tuple[list[list[bool]], list[dict[str, Any]] | None]:
    """xgrammar's verdict on each (grammar, strings), and vLLM's parse of each (call body, properties)."""
    python = oracle_python()
    assert python is not None, "no xgrammar available; guard the test with oracle_python()"
    jobs = {"grammars": grammars, "vllm": vllm_bodies or []}
    done = subprocess.run(
        [python, "-c", _SCRIPT], input=json.dumps(jobs), capture_output=True, text=True, timeout=600
    )
    if done.returncode != 0:
        raise RuntimeError(f"oracle subprocess failed:\n{done.stderr[-3000:]}")
    result = json.loads(done.stdout)
    verdicts = []
    for (ebnf, _), item in zip(grammars, result["grammars"], strict=True):
        if "error" in item:
            raise AssertionError(f"xgrammar rejected the grammar: {item['error']}\n{ebnf}")
        verdicts.append(item["accepted"])
    return verdicts, result["vllm"]
