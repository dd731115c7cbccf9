"""Tokens of a BFCL run per category (Gemma 4 tokenizer and chat template), and the GPU time they imply.

    # 1. the oracle's conversations (gold calls, real backend results), in the project's environment
    agents eval bfcl:all --oracle --out runs/bfcl-oracle
    python benchmarks/bfcl_tokens.py export runs/bfcl-oracle --out conversations.jsonl
    # 2. their tokens, where `transformers` is installed (the vLLM environment has it)
    .vllm/venv/bin/python benchmarks/bfcl_tokens.py count conversations.jsonl \\
        --tokenizer .vllm/models/tiny-gemma4 --template agents/gemma4/chat_template.jinja --json tokens.json

Each model request of a trial is rendered as vLLM would render it (system prompt, tool
declarations, the conversation so far, the generation prompt) and tokenized. Per category:

  entries            trials in the run
  requests           model requests (one per step)
  first prompt       mean tokens of an entry's first request (instructions, tools, question)
  prefill (cached)   sum over entries of the longest request plus its answer: what a server
                     with prefix caching computes, since each request extends the one before
  prefill (uncached) sum of every request's full prompt: the same without a prefix cache
  output             sum of the answers' tokens (the gold calls and "Done."): a lower bound,
                     since a real model may write more, or call more often, than the gold

The time estimate divides the cached prefill and the output by throughputs given on the
command line (`--prefill-tps`, `--decode-tps`: tokens per second over all concurrent
requests), which are assumptions to replace with your server's measured figures. `--sample N`
counts every Nth entry of each category and scales the sums (rendering every request of all
4,441 entries takes minutes on a small CPU).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

Chat = list[dict[str, Any]]


# ---- export (project environment) -------------------------------------------------------------


def _hf_message(message: dict[str, Any]) -> dict[str, Any]:
    # A dumped message as a Hugging Face chat-template message.
    role = message["role"]
    if role == "assistant":
        calls = [
            {"id": c["id"], "type": "function", "function": {"name": c["name"], "arguments": c["arguments"]}}
            for c in message.get("tool_calls", [])
        ]
        return {"role": "assistant", "content": message.get("text", ""), "tool_calls": calls}
    if role == "tool":
        return {
            "role": "tool",
            "name": message["name"],
            "tool_call_id": message["call_id"],
            "content": message["content"],
        }
    return {"role": role, "content": message["content"]}


def export(run: Path, out: Path) -> int:
    """Write one line per trial: category, tools, and its requests (each the messages before an answer)."""
    from evals.bfcl.backends import BfclEnvironment
    from evals.bfcl.leaderboard import category_of
    from evals.store import read_trials
    from evals.suites import load_suite

    tasks = {t.id: t for t in load_suite("bfcl:all").tasks}
    lines = 0
    with out.open("w", encoding="utf-8") as sink:
        for record in read_trials(run):
            category = category_of(record)
            task = tasks.get(record.task_id)
            if category is None or task is None:
                continue
            if task.env is not None:
                tools = BfclEnvironment.from_state(task.env.state)._toolset().specs()
            else:
                tools = task.tools
            prefix: Chat = []
            if task.instructions:
                prefix.append({"role": "system", "content": task.instructions})
            prefix += [{"role": m["role"], "content": m["content"]} for m in task.history]
            requests = []
            for turn in record.turns:
                for message in (_hf_message(m) for m in turn.messages):
                    if message["role"] == "assistant":
                        requests.append({"prompt": list(prefix), "answer": message})
                    prefix.append(message)
            sink.write(json.dumps({"category": category, "tools": tools, "requests": requests}) + "\n")
            lines += 1
    return lines


# ---- count (an environment with transformers) -------------------------------------------------


def count(path: Path, tokenizer_dir: Path, template: Path, sample: int = 1) -> dict[str, dict[str, float]]:
    """Token sums per category for the exported conversations (from every `sample`-th entry, scaled)."""
    from transformers import AutoTokenizer  # type: ignore[import-not-found]

    tokenizer = AutoTokenizer.from_pretrained(str(tokenizer_dir))
    chat_template = template.read_text(encoding="utf-8")

    def tokens(messages: Chat, tools: list[Any], generation: bool) -> int:
        text = tokenizer.apply_chat_template(
            messages, tools=tools or None, chat_template=chat_template, tokenize=False,
            add_generation_prompt=generation,
        )  # fmt: skip
        return len(tokenizer(text, add_special_tokens=False)["input_ids"])

    sums: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    seen: dict[str, int] = defaultdict(int)
    for line in path.read_text(encoding="utf-8").splitlines():
        trial = json.loads(line)
        seen[trial["category"]] += 1
        if (seen[trial["category"]] - 1) % sample:
            continue  # every `sample`-th entry of each category; the sums are scaled up below
        row = sums[trial["category"]]
        row["entries"] += 1
        longest = 0
        for index, request in enumerate(trial["requests"]):
            prompt = tokens(request["prompt"], trial["tools"], True)
            whole = tokens([*request["prompt"], request["answer"]], trial["tools"], False)
            row["requests"] += 1
            row["prefill_uncached"] += prompt
            row["output"] += max(whole - prompt, 1)
            longest = max(longest, whole)
            if index == 0:
                row["first_prompt"] += prompt
        row["prefill_cached"] += longest
    scaled = {}
    for category, row in sums.items():
        factor = seen[category] / row["entries"]
        scaled[category] = {key: value * factor for key, value in row.items()}
    return scaled


def table(sums: dict[str, dict[str, float]], prefill_tps: float, decode_tps: float) -> str:
    """The per-category table and its totals, with the time estimate."""
    head = (
        "category",
        "entries",
        "requests",
        "first prompt",
        "prefill (cached)",
        "prefill (uncached)",
        "output",
        "est. min",
    )
    rows = [head]
    total: dict[str, float] = defaultdict(float)
    for category, row in sums.items():
        minutes = (row["prefill_cached"] / prefill_tps + row["output"] / decode_tps) / 60
        for key, value in row.items():
            total[key] += value
        total["minutes"] += minutes
        rows.append((
            category, f"{row['entries']:.0f}", f"{row['requests']:.0f}",
            f"{row['first_prompt'] / row['entries']:.0f}", f"{row['prefill_cached']:.0f}",
            f"{row['prefill_uncached']:.0f}", f"{row['output']:.0f}", f"{minutes:.1f}",
        ))  # fmt: skip
    rows.append((
        "all", f"{total['entries']:.0f}", f"{total['requests']:.0f}",
        f"{total['first_prompt'] / max(total['entries'], 1):.0f}", f"{total['prefill_cached']:.0f}",
        f"{total['prefill_uncached']:.0f}", f"{total['output']:.0f}", f"{total['minutes']:.1f}",
    ))  # fmt: skip
    widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
    return "\n".join(
        "  ".join(
            c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True))
        )
        for r in rows
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    ex = sub.add_parser("export", help="write the conversations of an oracle BFCL run as JSON lines")
    ex.add_argument("run", type=Path)
    ex.add_argument("--out", type=Path, required=True)
    co = sub.add_parser("count", help="count their tokens and estimate the GPU time")
    co.add_argument("conversations", type=Path)
    co.add_argument("--tokenizer", type=Path, required=True, help="a folder with Gemma 4's tokenizer.json")
    co.add_argument("--template", type=Path, required=True, help="the chat template vLLM serves with")
    co.add_argument(
        "--prefill-tps", type=float, default=20000.0, help="assumed prefill tokens/s (all requests)"
    )
    co.add_argument("--decode-tps", type=float, default=2000.0, help="assumed output tokens/s (all requests)")
    co.add_argument("--sample", type=int, default=1, help="count every Nth entry of a category, scale up")
    co.add_argument("--json", type=Path, default=None, help="also write the sums as JSON")
    args = parser.parse_args(argv)
    if args.command == "export":
        print(f"{export(args.run, args.out)} trials written to {args.out}")
        return 0
    sums = count(args.conversations, args.tokenizer, args.template, args.sample)
    print(table(sums, args.prefill_tps, args.decode_tps))
    print(f"(time at {args.prefill_tps:.0f} prefill and {args.decode_tps:.0f} output tokens/s, assumed)")
    if args.sample > 1:
        print(f"(every {args.sample}th entry of each category counted, the sums scaled to all entries)")
    if args.json:
        args.json.write_text(
            json.dumps(
                {"tokens": sums, "prefill_tps": args.prefill_tps, "decode_tps": args.decode_tps}, indent=2
            )
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
