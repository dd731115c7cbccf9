"""The README's commands and snippets, checked against the code so that the README cannot drift.

- Shell blocks: every `agents ...` line parses with the CLI's own parser (the cheap ones run), every
  script and file it names exists, and every word it passes to a script is one the script knows.
- Python blocks: each runs in full against a `ScriptedModel` that the test supplies as `model`,
  with the definitions of the blocks before it (as a reader would have them). The example that
  talks to a real server runs against the tiny server in tests/integration/test_readme_vllm.py.
  A block in a section with no script here is compiled and its imports are run.
"""

from __future__ import annotations

import ast
import contextlib
import inspect
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from agents import cli
from agents.serve import DEFAULT_BASE_URL
from agents.testing import ScriptedModel, call

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()


@dataclass(frozen=True)
class Block:
    lang: str
    code: str
    section: str
    line: int


def readme_blocks() -> list[Block]:
    found: list[Block] = []
    section = ""
    lines = README.splitlines()
    i = 0
    while i < len(lines):
        if lines[i].startswith("## "):
            section = lines[i][3:].strip()
        fence = re.match(r"```(\w+)\s*$", lines[i])
        if fence:
            end = lines.index("```", i + 1)
            found.append(Block(fence.group(1), "\n".join(lines[i + 1 : end]) + "\n", section, i + 1))
            i = end
        i += 1
    return found


def python_blocks(section: str | None = None) -> list[Block]:
    return [b for b in readme_blocks() if b.lang == "python" and section in (None, b.section)]


def shell_commands() -> list[tuple[int, list[str]]]:
    commands: list[tuple[int, list[str]]] = []
    for block in readme_blocks():
        if block.lang != "bash":
            continue
        for n, line in enumerate(block.code.splitlines()):
            tokens = shlex.split(line, comments=True)
            while tokens:
                cut = tokens.index("&&") if "&&" in tokens else len(tokens)
                commands.append((block.line + 1 + n, tokens[:cut]))
                tokens = tokens[cut + 1 :]
    return commands


def _compile(block: Block) -> Any:
    # dont_inherit: this file's `from __future__ import annotations` is not the README's.
    flags = ast.PyCF_ALLOW_TOP_LEVEL_AWAIT
    return compile(block.code, f"README.md:{block.line}", "exec", flags=flags, dont_inherit=True)


def definitions_before(block: Block) -> dict[str, Any]:
    """The imports, functions and classes of the README's Python blocks before `block`."""
    ns: dict[str, Any] = {"__name__": "readme"}
    for earlier in python_blocks():
        if earlier.line >= block.line:
            break
        for node in ast.parse(earlier.code).body:
            if isinstance(node, ast.Import | ast.ImportFrom | ast.FunctionDef | ast.ClassDef):
                module = ast.Module(body=[node], type_ignores=[])
                # NameError: decorated by something the block assigns, e.g. a toolset's own decorator.
                with contextlib.suppress(NameError):
                    exec(compile(module, f"README.md:{earlier.line}", "exec", dont_inherit=True), ns)
    return ns


async def run_block(block: Block, ns: dict[str, Any]) -> dict[str, Any]:
    result = eval(_compile(block), ns)
    if inspect.iscoroutine(result):
        await result
    return ns


def only(section: str) -> Block:
    blocks = python_blocks(section)
    assert len(blocks) == 1, f"expected one Python block in README section {section!r}"
    return blocks[0]


# -- shell commands ------------------------------------------------------------------------------


def test_the_readme_shows_commands_and_snippets() -> None:
    assert len(shell_commands()) >= 10 and len(python_blocks()) >= 5


@pytest.mark.parametrize(("line", "argv"), shell_commands(), ids=[f"line{n}" for n, _ in shell_commands()])
def test_each_shell_command_matches_the_code(
    line: int, argv: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    where = f"README.md:{line}: {shlex.join(argv)}"
    program = argv[0]
    if program.startswith("./scripts/"):
        script = ROOT / program
        assert script.is_file() and script.stat().st_mode & 0o111, f"{where}: no executable {script}"
        subprocess.run(["bash", "-n", str(script)], check=True)
        text = script.read_text()
        unknown = [word for word in argv[1:] if word not in text]
        assert not unknown, f"{where}: {program} knows nothing of {unknown}"
    elif Path(program).name == "agents":
        args = cli.parse_args(argv[1:])  # SystemExit (and a usage message) if the CLI changed
        if args.command in ("run", "chat") and args.tools:
            monkeypatch.chdir(ROOT)
            cli.load_tools(args.tools)
        if args.command == "eval" and args.suite == "list":
            assert cli.main(argv[1:]) == 0
            assert "multistep" in capsys.readouterr().out
    elif Path(program).name == "python":
        path = ROOT / argv[1]
        assert path.is_file(), f"{where}: no file {path}"
        shown = subprocess.run(
            [sys.executable, str(path), "--help"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout
        unknown = [flag for flag in argv[2:] if flag.startswith("--") and flag not in shown]
        assert not unknown, f"{where}: {argv[1]} --help lists none of {unknown}"
    else:
        pytest.fail(f"{where}: the README runs {program!r}, which this test does not know how to check")


def test_files_the_readme_names_exist() -> None:
    links = re.findall(r"\]\(([^)#:]+)\)", README)
    paths = re.findall(r"`\.?/?((?:scripts|agents|tools|evals|examples|benchmarks|tests)/[^`\s]*)`", README)
    missing = [p for p in [*links, *paths] if not (ROOT / p).exists()]
    assert not missing


# -- Python snippets -----------------------------------------------------------------------------


def test_the_example_talks_to_the_embedded_default_server() -> None:
    # Its URL is where ./scripts/serve-local serves, and the model name comes from that server.
    code = only("Example").code
    assert DEFAULT_BASE_URL in code and "from_server(" in code
    compile(code, "README.md", "exec", dont_inherit=True)


async def test_the_pytest_example_runs_as_shown() -> None:
    block = only("Testing your own agents")
    ns = await run_block(block, definitions_before(block))
    await ns["test_coat"]()  # the README's own assertions ran
    assert "pytest.mark.asyncio" in block.code or 'asyncio_mode = "auto"' in README


async def test_run_context_and_model_retry(capsys: pytest.CaptureFixture[str]) -> None:
    block = only("Run context and ModelRetry")
    model = ScriptedModel(
        [call("check_stock", sku="mug"), call("check_stock", sku="MUG-1"), "3 mugs are left."]
    )
    ns = await run_block(block, definitions_before(block) | {"model": model})
    assert [r.status for r in ns["result"].tool_results()] == ["retry", "ok"]
    retry = ns["result"].tool_results()[0].content
    assert "Unknown sku 'mug'; the known ones are ['MUG-1', 'TEE-2']" in retry
    assert "3 mugs are left. ['retry', 'ok']" in capsys.readouterr().out


@pytest.mark.parametrize(("answer", "status"), [("y", "ok"), ("n", "denied")])
async def test_approval(answer: str, status: str) -> None:
    block = only("Approval")
    model = ScriptedModel([call("refund", order_id="A-17", amount=20), "Done."])
    asked: list[str] = []
    ns = definitions_before(block) | {"model": model, "input": lambda q: asked.append(q) or answer}
    ns = await run_block(block, ns)
    (result,) = ns["result"].tool_results()
    assert asked == ["Run refund({'order_id': 'A-17', 'amount': 20.0})? [y/N] "]
    assert result.status == status
    assert ("Refunded 20.00 EUR on order A-17." in result.content) == (status == "ok")


async def test_sessions_and_durable_runs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from agents.memory import Store

    block = only("Sessions and durable runs")
    model = ScriptedModel([call("refund_order", order_id="A-17", amount=20), "Refunded."])
    ns = definitions_before(block) | {"model": model, "store_path": tmp_path / "store.db"}
    ns = await run_block(block, ns)
    await ns["store"].aclose()
    out = capsys.readouterr().out
    assert "waiting: refund_order {'order_id': 'A-17', 'amount': 20}" in out and "Refunded." in out
    (refund,) = ns["result"].tool_results()
    assert refund.status == "ok" and f"key {ns['result'].run_id}:1:" in refund.content
    async with await Store.open(tmp_path / "store.db") as store:
        stored = (await store.history("ticket-42")).messages
    assert [m.role for m in stored] == ["user", "assistant", "tool", "assistant"]


async def test_plan_and_execute(capsys: pytest.CaptureFixture[str]) -> None:
    import json

    block = only("Plan and execute")
    steps = [
        {"id": "s1", "tool": "city_of", "args": {"person": "ann"}},
        {"id": "s2", "tool": "weather", "args": {"city": {"$ref": "s1"}}},
    ]
    model = ScriptedModel([json.dumps({"steps": steps}), json.dumps({"finish": "Snow in Oslo."})])
    ns = await run_block(block, definitions_before(block) | {"model": model})
    assert "Snow in Oslo. 2" in capsys.readouterr().out
    from agents.events import PlanStepFinished

    done = [(e.step.id, e.step.result) for e in ns["result"].events if isinstance(e, PlanStepFinished)]
    assert done == [("s1", "Oslo"), ("s2", "snow")]


async def test_long_term_memory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    block = only("Long-term memory")
    model = ScriptedModel([call("remember", text="Alice's flight is on Friday."), "Noted."])
    ns = definitions_before(block) | {"model": model, "store_path": tmp_path / "store.db"}
    ns = await run_block(block, ns)
    assert "['Alice prefers tea to coffee.']" in capsys.readouterr().out
    texts = [item.text for item in await ns["memory"].items()]
    assert sorted(texts) == ["Alice prefers tea to coffee.", "Alice's flight is on Friday."]
    await ns["store"].aclose()


async def test_usage_limits(capsys: pytest.CaptureFixture[str]) -> None:
    block = only("Usage limits")
    model = ScriptedModel([call("check_stock", sku="MUG-1") for _ in range(3)] + ["never reached"])
    await run_block(block, definitions_before(block) | {"model": model})
    assert re.search(r"stopped by max_tool_calls after \d+ messages", capsys.readouterr().out)


async def test_tracing(capsys: pytest.CaptureFixture[str]) -> None:
    block = only("Tracing (OpenTelemetry)")
    model = ScriptedModel([call("check_stock", sku="MUG-1"), "3 mugs are left."])
    await run_block(block, definitions_before(block) | {"model": model})
    spans = "['chat scripted', 'execute_tool check_stock', 'chat scripted', 'invoke_agent agent']"
    assert spans in capsys.readouterr().out


async def test_mcp_tools(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(ROOT)  # the snippet names the demo server by its path in the checkout
    block = only("MCP tools")
    model = ScriptedModel(
        [call("add", a=2, b=3), "5", call("local_time", city="Oslo"), "14:05", call("pid"), "pid"]
    )
    ns = await run_block(block, definitions_before(block) | {"model": model})
    assert "5 ['5']" in capsys.readouterr().out
    assert [r.content for r in ns["result"].tool_results()] == ["5"]
    assert model.remaining == 0 and not ns["demo"].connected


SCRIPTED = {
    "Tracing (OpenTelemetry)",
    "MCP tools",
    "Example",
    "Testing your own agents",
    "Run context and ModelRetry",
    "Approval",
    "Sessions and durable runs",
    "Plan and execute",
    "Long-term memory",
    "Usage limits",
}


@pytest.mark.parametrize(
    "block", [b for b in python_blocks() if b.section not in SCRIPTED], ids=lambda b: b.section
)
def test_other_snippets_compile_and_import(block: Block) -> None:
    _compile(block)
    ns: dict[str, Any] = {}
    for node in ast.parse(block.code).body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            module = ast.Module(body=[node], type_ignores=[])
            exec(compile(module, f"README.md:{block.line}", "exec", dont_inherit=True), ns)
