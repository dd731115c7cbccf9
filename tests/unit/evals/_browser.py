"""A headless Chromium (Debian's `chromium` package) driven over the DevTools protocol on a pipe.

Just enough of the protocol for report tests: open a file, collect console errors and uncaught
exceptions, evaluate expressions in the page.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

BINARIES = ("chromium", "chromium-browser", "google-chrome")


def find_chromium() -> str | None:
    """The path of a Chromium binary, or None."""
    return next((found for name in BINARIES if (found := shutil.which(name))), None)


class Browser:
    """One headless Chromium with one page: `open(path)`, then `evaluate(js)`.

    `errors` collects what the page's console reported as errors, and uncaught exceptions.
    """

    def __init__(self, binary: str, *, width: int = 1280, height: int = 900) -> None:
        commands_in, commands_out = os.pipe()  # we write commands_out; Chromium reads fd 3
        replies_in, replies_out = os.pipe()  # Chromium writes fd 4; we read replies_in

        def wire() -> None:  # in the child only: this process's own fds 3 and 4 stay as they are
            # Copies first: a pipe end may itself be fd 3 or 4 (and close on exec as it is).
            commands, replies = os.dup(commands_in), os.dup(replies_out)
            os.dup2(commands, 3)
            os.dup2(replies, 4)

        self.process = subprocess.Popen(
            [
                binary, "--headless=new", "--no-sandbox", "--disable-gpu", "--remote-debugging-pipe",
                f"--window-size={width},{height}", "--no-first-run", "--disable-extensions", "about:blank",
            ],
            preexec_fn=wire,
            close_fds=False,  # the pipes' own fds close on exec; the dup2'd 3 and 4 must not
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        os.close(commands_in)
        os.close(replies_out)
        self._write = os.fdopen(commands_out, "wb", buffering=0)
        self._read = os.fdopen(replies_in, "rb", buffering=0)
        self._buffer = b""
        self._next = 0
        self.errors: list[str] = []
        self.events: list[dict[str, Any]] = []
        target = self._call("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = self._call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Page", "Runtime", "Log"):
            self._call(f"{domain}.enable", session=True)

    def _send(self, method: str, params: dict[str, Any] | None, session: bool) -> int:
        self._next += 1
        message: dict[str, Any] = {"id": self._next, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = self.session
        self._write.write(json.dumps(message).encode() + b"\0")
        return self._next

    def _message(self) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            chunk = self._read.read(1 << 16)
            if not chunk:
                raise RuntimeError("Chromium closed its DevTools pipe")
            self._buffer += chunk
        raw, self._buffer = self._buffer.split(b"\0", 1)
        message: dict[str, Any] = json.loads(raw)
        method = message.get("method", "")
        params = message.get("params", {})
        if method == "Runtime.exceptionThrown":
            self.errors.append(json.dumps(params.get("exceptionDetails", {}))[:300])
        elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            self.errors.append(json.dumps(params.get("args", []))[:300])
        elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
            self.errors.append(params["entry"].get("text", "")[:300])
        if method:
            self.events.append(message)
        return message

    def _call(self, method: str, params: dict[str, Any] | None = None, *, session: bool = False) -> Any:
        wanted = self._send(method, params, session)
        while True:
            message = self._message()
            if message.get("id") == wanted:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})

    def open(self, path: Path, timeout_s: float = 60.0) -> None:
        """Load a file and wait for its load event."""
        self.events.clear()
        self._call("Page.navigate", {"url": path.resolve().as_uri()}, session=True)
        deadline = time.monotonic() + timeout_s
        while not any(e.get("method") == "Page.loadEventFired" for e in self.events):
            if time.monotonic() > deadline:
                raise TimeoutError(f"{path} did not finish loading in {timeout_s} s")
            self._message()

    def evaluate(self, expression: str) -> Any:
        """The JSON value of a JavaScript expression evaluated in the page."""
        result = self._call(
            "Runtime.evaluate", {"expression": expression, "returnByValue": True}, session=True
        )
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def close(self) -> None:
        """Stop the browser."""
        with contextlib.suppress(RuntimeError, OSError):  # it may be gone already
            self._call("Browser.close")
        self.process.wait(timeout=30)
        self._write.close()
        self._read.close()
