"""Which model the embedded default server serves: the decision table, on injected machines."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from agents import _localmodel as lm
from agents.errors import ConfigError


class Hub:
    """A hub probe that records what it was asked; no network."""

    def __init__(self, status: lm.HubStatus = "unreachable") -> None:
        self.status = status
        self.asked: list[str] = []

    def __call__(self, repo: str) -> lm.HubStatus:
        self.asked.append(repo)
        return self.status


def machine(
    tmp_path: Path,
    *,
    ram: float = 8,
    gpu: float | None = None,
    hub: Hub | None = None,
    env: dict[str, str] | None = None,
) -> lm.Machine:
    return lm.Machine(
        env=env or {},
        ram_free_gib=ram,
        gpu_free_gib=gpu,
        models_dir=tmp_path / "models",
        hub_cache=tmp_path / "hub",
        hub_probe=hub or Hub(),
    )


def weights(folder: Path, shards: int = 0) -> Path:
    folder.mkdir(parents=True)
    (folder / "config.json").write_text("{}")
    if shards:
        names = [f"model-{i}.safetensors" for i in range(shards)]
        (folder / "model.safetensors.index.json").write_text(
            json.dumps({"weight_map": {n: n for n in names}})
        )
        for n in names:
            (folder / n).write_bytes(b"")
    else:
        (folder / "model.safetensors").write_bytes(b"")
    return folder


def cached(tmp_path: Path, repo: str) -> Path:
    root = tmp_path / "hub" / f"models--{repo.replace('/', '--')}"
    (root / "refs").mkdir(parents=True)
    (root / "refs" / "main").write_text("abc123")
    return weights(root / "snapshots" / "abc123")


# The decision table: (GPU free GiB, RAM available GiB, hub) -> (model key, device, source).
TABLE = [
    (None, 8, "ok", ("270m", "cpu", "offline")),  # a small laptop: too little RAM for E2B
    (None, 16, "ok", ("e2b", "cpu", "hub")),  # a CPU machine that reaches the hub
    (None, 64, "unreachable", ("270m", "cpu", "offline")),
    (None, 64, "refused", ("270m", "cpu", "offline")),  # gated, no token
    (8, 8, "ok", ("270m", "cpu", "offline")),  # a GPU too small for E2B, not enough RAM either
    (8, 32, "ok", ("e2b", "cpu", "hub")),  # a GPU too small for E2B: E2B on the CPU
    (16, 8, "ok", ("e2b", "gpu", "hub")),
    (40, 8, "ok", ("e4b", "gpu", "hub")),
    (40, 8, "unreachable", ("270m", "cpu", "offline")),
]


@pytest.mark.parametrize(("gpu", "ram", "status", "expected"), TABLE)
def test_auto_choice_by_what_the_machine_has(
    tmp_path: Path, gpu: float | None, ram: float, status: lm.HubStatus, expected: tuple[str, str, str]
) -> None:
    choice = lm.choose(machine(tmp_path, ram=ram, gpu=gpu, hub=Hub(status)))
    assert (choice.key, choice.device, choice.source) == expected
    assert choice.fallback == (choice.key == "270m")


def test_the_fallback_says_why(tmp_path: Path) -> None:
    reason = lm.choose(machine(tmp_path, ram=8, gpu=8, hub=Hub("ok"))).reason
    assert reason.startswith("offline fallback")
    assert "needs 14 GiB of free GPU memory (8.0 free)" in reason
    assert "needs 16 GiB of RAM available (8.0 available)" in reason
    unreachable = lm.choose(machine(tmp_path, ram=32, hub=Hub("unreachable"))).reason
    assert "the model hub is not reachable" in unreachable and str(tmp_path / "models") in unreachable


def test_hf_hub_offline_means_no_probe(tmp_path: Path) -> None:
    hub = Hub("ok")
    choice = lm.choose(machine(tmp_path, ram=64, gpu=40, hub=hub, env={"HF_HUB_OFFLINE": "1"}))
    assert choice.key == "270m" and hub.asked == []
    assert "HF_HUB_OFFLINE is set" in choice.reason


def test_an_unreachable_hub_is_probed_once(tmp_path: Path) -> None:
    hub = Hub("unreachable")
    lm.choose(machine(tmp_path, ram=64, gpu=40, hub=hub))
    assert hub.asked == ["google/gemma-4-E4B-it"]


@pytest.mark.parametrize("offline", ["0", "1"])
def test_weights_in_the_hub_cache_need_no_hub(tmp_path: Path, offline: str) -> None:
    snapshot = cached(tmp_path, "google/gemma-4-E2B-it")
    hub = Hub("unreachable")
    choice = lm.choose(machine(tmp_path, ram=32, hub=hub, env={"HF_HUB_OFFLINE": offline}))
    assert (choice.key, choice.device, choice.source, choice.model) == ("e2b", "cpu", "cache", str(snapshot))
    assert choice.served_name == "gemma-4-E2B-it" and hub.asked == []


def test_weights_in_a_local_folder_need_no_hub(tmp_path: Path) -> None:
    folder = weights(tmp_path / "models" / "gemma-4-E2B-it", shards=2)
    choice = lm.choose(machine(tmp_path, gpu=20, hub=Hub("unreachable")))
    assert (choice.key, choice.device, choice.source, choice.model) == ("e2b", "gpu", "local", str(folder))


def test_incomplete_weights_do_not_count(tmp_path: Path) -> None:
    folder = weights(tmp_path / "models" / "gemma-4-E2B-it", shards=2)
    (folder / "model-1.safetensors").unlink()  # an interrupted download
    assert not lm.complete_weights(folder)
    assert lm.choose(machine(tmp_path, ram=32)).key == "270m"


def test_a_larger_gpu_takes_e4b_from_the_cache_before_e2b_from_the_hub(tmp_path: Path) -> None:
    cached(tmp_path, "google/gemma-4-E4B-it")
    assert lm.choose(machine(tmp_path, gpu=30, hub=Hub("ok"))).key == "e4b"


# --model PATH|ID and the short names override the table.


def test_override_offline_models(tmp_path: Path) -> None:
    hub = Hub("ok")
    tiny = lm.choose(machine(tmp_path, ram=64, gpu=40, hub=hub), "tiny")
    assert (tiny.key, tiny.model, tiny.served_name, tiny.device) == ("tiny", "tiny", "tiny", "cpu")
    assert lm.choose(machine(tmp_path, ram=64, hub=hub), "270m").served_name == "gemma3-270m"
    assert hub.asked == []


def test_override_a_gemma4_size_ignores_the_thresholds(tmp_path: Path) -> None:
    choice = lm.choose(machine(tmp_path, ram=4, hub=Hub("ok")), "e4b")
    assert (choice.key, choice.model, choice.device, choice.fallback) == (
        "e4b",
        "google/gemma-4-E4B-it",
        "cpu",
        False,
    )


def test_override_that_cannot_be_had_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="Gemma 4 E2B cannot be had here: HF_HUB_OFFLINE is set"):
        lm.choose(machine(tmp_path, env={"HF_HUB_OFFLINE": "true"}), "e2b")


def test_override_a_folder_and_a_hub_id(tmp_path: Path) -> None:
    folder = weights(tmp_path / "my-model")
    choice = lm.choose(machine(tmp_path, gpu=2), str(folder))
    assert (choice.key, choice.model, choice.served_name, choice.device) == (
        "custom",
        str(folder),
        "my-model",
        "gpu",
    )
    hub_id = lm.choose(machine(tmp_path, hub=Hub("ok")), "Qwen/Qwen3-0.6B")
    assert (hub_id.model, hub_id.served_name, hub_id.source) == ("Qwen/Qwen3-0.6B", "Qwen3-0.6B", "hub")
    with pytest.raises(ConfigError, match="the hub has no Qwen/Nope"):
        lm.choose(machine(tmp_path, hub=Hub("missing")), "Qwen/Nope")
    with pytest.raises(ConfigError, match="not 'nonsense'"):
        lm.choose(machine(tmp_path), "nonsense")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ConfigError, match=r"no config\.json"):
        lm.choose(machine(tmp_path), str(tmp_path / "empty"))


# The real machine's facts, and what the scripts read.


def test_facts_from_the_machine(tmp_path: Path) -> None:
    meminfo = tmp_path / "meminfo"
    meminfo.write_text("MemTotal: 33554432 kB\nMemAvailable: 16777216 kB\n")
    assert lm.ram_free_gib(meminfo) == 16.0
    assert lm.ram_free_gib(tmp_path / "missing") == 0.0
    assert lm.hub_cache_dir({"HF_HOME": "/h"}) == Path("/h/hub")
    assert lm.hub_cache_dir({"HF_HUB_CACHE": "/c", "HF_HOME": "/h"}) == Path("/c")
    assert lm.hub_cache_dir({"XDG_CACHE_HOME": "/x"}) == Path("/x/huggingface/hub")
    assert [lm.hub_offline({"HF_HUB_OFFLINE": v}) for v in ("1", "yes", "0", "")] == [
        True,
        True,
        False,
        False,
    ]


def test_the_hub_probe_does_not_wait_long() -> None:
    # 127.0.0.1:9 refuses at once; the point is that a dead endpoint reads as unreachable.
    probe = lm.http_hub_probe({"HF_ENDPOINT": "http://127.0.0.1:9"}, timeout_s=1.0)
    assert probe("google/gemma-4-E2B-it") == "unreachable"


def test_shell_output_round_trips_through_bash(tmp_path: Path) -> None:
    path = str(tmp_path / "it's here")
    choice = lm.Choice("custom", path, "x", "gpu", "local", False, "why 'quoted' $HOME")
    script = 'eval "$1"; printf "%s|%s|%s" "$GA_MODEL" "$GA_REASON" "$GA_FALLBACK"'
    out = subprocess.run(
        ["bash", "-c", script, "_", choice.shell()], capture_output=True, text=True, check=True
    ).stdout
    assert out == f"{path}|why 'quoted' $HOME|0"


def test_the_local_model_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from agents import cli

    monkeypatch.setattr(lm, "probe_machine", lambda: machine(tmp_path, ram=32, hub=Hub("ok")))
    assert cli.main(["local-model", "--format", "json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert (shown["key"], shown["device"], shown["model"]) == ("e2b", "cpu", "google/gemma-4-E2B-it")
    assert cli.main(["local-model", "--model", "nonsense"]) == 1
    assert capsys.readouterr().err.startswith("error: --model takes auto, tiny, 270m")
