"""The run's output type: its JSON schema for constrained decoding, and validation of answers."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from pydantic import TypeAdapter, ValidationError

from agents.models.base import OutputSchema

T = TypeVar("T")
_FENCE = re.compile(r"^\s*```(?:json)?\s*\n(.*?)\n\s*```\s*$", re.S)


@dataclass(frozen=True)
class OutputSpec(Generic[T]):
    """What a final answer must be. `str` means the model's text, as is."""

    output_type: type[T]
    adapter: TypeAdapter[T]
    schema: OutputSchema | None

    @classmethod
    def of(cls, output_type: type[T]) -> OutputSpec[T]:
        adapter = TypeAdapter(output_type)
        if output_type is str:
            return cls(output_type, adapter, None)
        name = re.sub(r"[^a-zA-Z0-9_-]", "_", getattr(output_type, "__name__", "output"))[:64] or "output"
        return cls(output_type, adapter, OutputSchema(name=name, schema=adapter.json_schema()))

    @property
    def is_text(self) -> bool:
        return self.schema is None

    @property
    def type_name(self) -> str:
        return getattr(self.output_type, "__name__", repr(self.output_type))

    def validate(self, text: str) -> tuple[T | None, str | None]:
        """(value, None) when `text` is a valid answer, else (None, what was wrong)."""
        if self.is_text:
            return self.adapter.validate_python(text), None
        m = _FENCE.match(text)
        candidate = m.group(1) if m else text.strip()
        try:
            return self.adapter.validate_json(candidate), None
        except ValidationError as e:
            return None, _describe(e)

    def retry_prompt(self, problems: str) -> str:
        schema = json.dumps(
            self.schema.schema if self.schema else {}, ensure_ascii=False, separators=(",", ":")
        )
        return (
            f"Your answer did not validate as {self.type_name}:\n{problems}\n"
            f"Answer again with only a JSON value matching this schema: {schema}"
        )


def _describe(e: ValidationError) -> str:
    lines = []
    for err in e.errors(include_url=False):
        where = ".".join(str(p) for p in err["loc"]) or "(root)"
        got: Any = err.get("input")
        shown = json.dumps(got, ensure_ascii=False, default=str)[:80] if got is not None else "nothing"
        lines.append(f"- {where}: {err['msg']} (got {shown})")
    return "\n".join(lines)
