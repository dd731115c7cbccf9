"""Embedders: text to vectors, for semantic recall. `OpenAIEmbedder` speaks the OpenAI/vLLM
`POST /embeddings` API."""

from __future__ import annotations

import asyncio
from typing import Protocol, runtime_checkable

import httpx

from agents.errors import AgentsError, ModelHTTPError, ModelResponseError, ModelUnreachable
from agents.models import openai as _openai

__all__ = ["Embedder", "OpenAIEmbedder"]


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into vectors of one fixed dimension. `name` identifies the model: vectors
    are only compared with vectors stored under the same name."""

    @property
    def name(self) -> str: ...

    async def embed(self, texts: list[str]) -> list[list[float]]: ...


class OpenAIEmbedder:
    """An embedding model behind `POST {base_url}/embeddings` (OpenAI, vLLM `--task embed`).

    Pass `client` to share an `httpx.AsyncClient` (it is not closed here); otherwise one is made
    per event loop and closed by `aclose()`.
    """

    def __init__(
        self,
        base_url: str,
        model: str,
        *,
        client: httpx.AsyncClient | None = None,
        api_key: str | None = None,
        timeout_s: float = 60.0,
    ) -> None:
        self.base_url = _openai.normalise_base_url(base_url)
        self.model = model
        self._client = client
        self._headers = {"authorization": f"Bearer {api_key}"} if api_key else {}
        self._timeout = timeout_s
        self._own: dict[asyncio.AbstractEventLoop, httpx.AsyncClient] = {}

    @property
    def name(self) -> str:
        return self.model

    def __repr__(self) -> str:
        return f"OpenAIEmbedder({self.base_url!r}, {self.model!r})"

    def _http(self) -> httpx.AsyncClient:
        if self._client is not None:
            return self._client
        if not _openai.ALLOW_MODEL_REQUESTS:
            raise AgentsError(
                f"Real model requests are blocked here (agents.testing.block_model_requests); {self!r} "
                "would have called a server. Pass client= with a mock transport, or use a fake Embedder."
            )
        loop = asyncio.get_running_loop()
        client = self._own.get(loop)
        if client is None or client.is_closed:
            client = httpx.AsyncClient(timeout=self._timeout, headers=self._headers)
            self._own[loop] = client
        return client

    async def aclose(self) -> None:
        """Close the client this embedder made for the running event loop."""
        client = self._own.pop(asyncio.get_running_loop(), None)
        if client is not None:
            await client.aclose()

    async def embed(self, texts: list[str]) -> list[list[float]]:
        """One vector per text, in order."""
        if not texts:
            return []
        url = f"{self.base_url}/embeddings"
        try:
            r = await self._http().post(
                url, json={"model": self.model, "input": texts}, headers=self._headers
            )
        except httpx.TransportError as e:
            raise ModelUnreachable(url, 1, e) from e
        if r.status_code >= 400:
            raise ModelHTTPError(url, r.status_code, _openai._error_message(r))
        try:
            data = r.json()["data"]
            rows = sorted(data, key=lambda d: d["index"])
            vectors = [[float(x) for x in d["embedding"]] for d in rows]
        except (ValueError, KeyError, TypeError) as e:
            raise ModelResponseError(
                f"{url} answered without embeddings in the OpenAI shape "
                f'({{"data": [{{"embedding": [...], "index": i}}]}}): {r.text[:300]}'
            ) from e
        if len(vectors) != len(texts) or [d["index"] for d in rows] != list(range(len(texts))):
            raise ModelResponseError(f"{url} answered {len(vectors)} embeddings for {len(texts)} texts.")
        if len({len(v) for v in vectors}) > 1:
            raise ModelResponseError(f"{url} answered embeddings of different lengths for one request.")
        return vectors
