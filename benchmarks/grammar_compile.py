"""What a tool grammar costs: EBNF size and Python time per step, and xgrammar's compile time.

    python benchmarks/grammar_compile.py [--tools 40] [--tokenizer DIR]

Python side (any environment): a toolset of N tools, each with an integer in 0..500 (the case
that used to list 501 literals per tool), compiled as the agent loop does on every step; the
first call compiles, later ones hit the cache.

xgrammar side (with --tokenizer; xgrammar runs in the vLLM environment, --xgrammar-python):
the example toolbox's grammar compiled by xgrammar for that tokenizer, with free-text strings
unbounded and bounded (the offline profile's `grammar_max_string_length`), with xgrammar's
cache off (the cost vLLM pays the first time it sees a grammar) and on (every later request
with the same grammar), and the median time of one token mask while a string is written.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from agents.gemma4 import grammar as tool_grammar
from agents.models.profiles import GEMMA4, GEMMA4_LOCAL

_ROOT = Path(__file__).resolve().parents[1]


def _integer_tools(n: int) -> list[dict[str, Any]]:
    schema = {"type": "object", "properties": {"n": {"type": "integer", "minimum": 0, "maximum": 500}}}
    return [{"type": "function", "function": {"name": f"tool_{i}", "parameters": schema}} for i in range(n)]


def python_side(n: int) -> dict[str, Any]:
    tools = _integer_tools(n)
    tool_grammar._compile.cache_clear()
    t = time.perf_counter()
    g = tool_grammar.compile_tool_grammar(tools, require_call=True)
    first = time.perf_counter() - t
    t, calls = time.perf_counter(), 0
    while time.perf_counter() - t < 1.0:
        tool_grammar.compile_tool_grammar(tools, require_call=True)
        calls += 1
    return {
        "tools": n,
        "ebnf_kb": round(len(g.ebnf) / 1024, 1),
        "first_ms": round(first * 1000, 2),
        "cached_ms": round((time.perf_counter() - t) / calls * 1000, 3),
    }


_XGRAMMAR = r"""
import json, statistics, sys, time
import xgrammar as xgr
from transformers import AutoTokenizer
job = json.load(sys.stdin)
tok = AutoTokenizer.from_pretrained(job["tokenizer"])
info = xgr.TokenizerInfo.from_huggingface(tok)
out = []
for ebnf in job["grammars"]:
    cold = xgr.GrammarCompiler(info, max_threads=1, cache_enabled=False)
    t = time.perf_counter()
    compiled = cold.compile_grammar(ebnf)
    cold_s = time.perf_counter() - t
    warm = xgr.GrammarCompiler(info, max_threads=1, cache_enabled=True)
    warm.compile_grammar(ebnf)
    t = time.perf_counter()
    warm.compile_grammar(ebnf)
    warm_s = time.perf_counter() - t
    matcher = xgr.GrammarMatcher(compiled)
    bitmask = xgr.allocate_token_bitmask(1, info.vocab_size)
    ids = [48] + tok.encode(job["call"], add_special_tokens=False)
    masks = []
    for token in ids:
        t = time.perf_counter()
        matcher.fill_next_token_bitmask(bitmask)
        masks.append(time.perf_counter() - t)
        if not matcher.accept_token(token):
            break
    out.append({"compile_s": round(cold_s, 2), "cached_compile_ms": round(warm_s * 1000, 2),
                "mask_median_ms": round(statistics.median(masks) * 1000, 3), "tokens": len(masks)})
json.dump(out, sys.stdout)
"""


def xgrammar_side(tokenizer_dir: str, python: str) -> list[dict[str, Any]]:
    from examples.toolbox import toolbox

    specs = toolbox().specs()
    profiles = (GEMMA4, GEMMA4_LOCAL)
    grammars = [
        p.compile_tool_grammar(specs, tool_choice="required").structured_outputs()["grammar"]
        for p in profiles
    ]
    job = {
        "tokenizer": tokenizer_dir,
        "grammars": grammars,
        "call": 'call:send_message{to:<|"|>Sam<|"|>,body:<|"|>see you at the station at ten o clock',
    }
    done = subprocess.run([python, "-c", _XGRAMMAR], input=json.dumps(job), capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"the xgrammar subprocess failed:\n{done.stderr[-2000:]}")
    rows = json.loads(done.stdout)
    for profile, row in zip(profiles, rows, strict=True):
        row.update(profile=profile.family, max_string_length=profile.grammar_max_string_length)
    return list(rows)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tools", type=int, default=40)
    ap.add_argument("--tokenizer", help="a Gemma 4 tokenizer directory: also measure xgrammar")
    ap.add_argument("--xgrammar-python", default=str(_ROOT / ".vllm" / "venv" / "bin" / "python"))
    args = ap.parse_args()
    print(json.dumps(python_side(args.tools)))
    if args.tokenizer:
        for row in xgrammar_side(args.tokenizer, args.xgrammar_python):
            print(json.dumps(row))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
