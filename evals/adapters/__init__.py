"""Agents of several frameworks behind the harness's interface (`evals.frameworks`).

- `evals.adapters.builtin:factory`: this project's `Agent`.
- `evals.adapters.pydantic_ai:factory`: PydanticAI's `Agent` (install the `pydantic-ai` extra).
"""
