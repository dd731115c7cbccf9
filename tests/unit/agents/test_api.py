"""The API a new user reaches for: one package to import, dynamic instructions, output
validators that ask for a retry, `@agent.tool`, and a warning for thinking that cannot work."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

import pytest
from pydantic import BaseModel

import agents
from agents import (
    Agent,
    ConfigError,
    ModelRetry,
    OutputValidationError,
    RunContext,
    SystemMessage,
    Tool,
    ToolResultMessage,
    UserMessage,
)
from agents.errors import trace_of
from agents.events import OutputRetry
from agents.models.base import ModelRequest
from agents.models.profiles import GEMMA4
from agents.testing import FunctionModel, ScriptedModel, call

# -- one package to import --------------------------------------------------------------------

PUBLIC = [
    "Agent",
    "AgentStream",
    "AgentsError",
    "AssistantMessage",
    "AudioPart",
    "ConfigError",
    "ContextLengthExceeded",
    "ImagePart",
    "Message",
    "ModelError",
    "ModelHTTPError",
    "ModelRetry",
    "ModelSettings",
    "ModelTimeout",
    "ModelUnreachable",
    "OpenAIChatModel",
    "OutputValidationError",
    "ResponseTruncated",
    "RunContext",
    "RunResult",
    "RunUsage",
    "SystemMessage",
    "TextPart",
    "Tool",
    "ToolCall",
    "ToolFatalError",
    "ToolResult",
    "ToolResultMessage",
    "ToolRetriesExceeded",
    "Toolset",
    "UsageLimitExceeded",
    "UsageLimits",
    "UserMessage",
    "tool",
]


def test_public_api_is_frozen() -> None:
    # Changing what `agents` exports is a decision: update this list with it.
    assert sorted(agents.__all__) == PUBLIC


def test_every_public_name_exists_and_is_the_same_object_as_its_home() -> None:
    import tools

    for name in agents.__all__:
        assert getattr(agents, name) is not None, name
    for name in ("tool", "Tool", "Toolset", "RunContext", "ToolCall", "ToolResult", "ModelRetry"):
        assert getattr(agents, name) is getattr(tools, name), name


# -- dynamic instructions ---------------------------------------------------------------------


@dataclass
class User:
    name: str


def system_text(request: ModelRequest) -> str:
    first = request.messages[0]
    assert isinstance(first, SystemMessage)
    return first.content


async def test_instructions_from_a_function_of_the_run_context() -> None:
    model = ScriptedModel(["hi Ada"])
    agent = Agent(model, instructions=lambda ctx: f"The user is {ctx.deps.name}.")
    result = await agent.run("hello", deps=User("Ada"))
    assert system_text(model.requests[0]) == "The user is Ada."
    assert [type(m) for m in result.messages][:2] == [SystemMessage, UserMessage]


async def test_instructions_async_and_several_parts_joined_in_order() -> None:
    async def policy(ctx: RunContext[User]) -> str:
        return f"Refunds for {ctx.deps.name} need approval."

    def today() -> str:
        return "Today is Monday."

    model = ScriptedModel(["ok"])
    agent = Agent(model, instructions=["Be brief.", today, policy, lambda ctx: ""])
    await agent.run("hello", deps=User("Bo"))
    assert system_text(model.requests[0]) == "Be brief.\n\nToday is Monday.\n\nRefunds for Bo need approval."


async def test_instructions_are_resolved_once_per_run_so_the_prefix_is_stable() -> None:
    seen: list[int] = []

    def counting(ctx: RunContext[None]) -> str:
        seen.append(ctx.step)
        return f"Call number {len(seen)}."

    def add(a: int, b: int) -> int:
        """Add."""
        return a + b

    model = ScriptedModel([call("add", a=1, b=2), call("add", a=3, b=4), "done", "again"])
    agent = Agent(model, tools=[add], instructions=counting)
    result = await agent.run("add things")
    assert len(seen) == 1
    firsts = {r.messages[0].model_dump_json() for r in model.requests}
    assert len(firsts) == 1  # the same system message on every step
    assert result.new_messages()[0] == UserMessage(content="add things")
    second = await agent.run("again", message_history=result.messages)
    assert len(seen) == 2 and sum(isinstance(m, SystemMessage) for m in second.messages) == 1
    assert system_text(model.requests[-1]) == "Call number 2."


async def test_dynamic_instructions_replace_the_historys_system_message() -> None:
    model = ScriptedModel(["one", "two"])
    agent = Agent(model, instructions=lambda: "New rules.")
    first = await agent.run("hi")
    history = [SystemMessage(content="Old rules."), *first.messages[1:]]
    second = await agent.run("and?", message_history=history)
    systems = [m for m in second.messages if isinstance(m, SystemMessage)]
    assert systems == [SystemMessage(content="New rules.")] and second.messages[0] == systems[0]
    assert second.new_messages()[0] == UserMessage(content="and?") and len(second.new_messages()) == 2


async def test_instructions_of_the_wrong_kind_are_a_config_error_at_construction() -> None:
    with pytest.raises(ConfigError, match="instructions must be a str"):
        Agent(ScriptedModel([]), instructions=42)  # type: ignore[call-overload]
    with pytest.raises(ConfigError, match="must take the run context or nothing"):
        Agent(ScriptedModel([]), instructions=lambda a, b: "x")  # type: ignore[call-overload]


async def test_an_instructions_function_that_returns_no_str_fails_clearly_with_a_trace() -> None:
    agent = Agent(ScriptedModel(["x"]), instructions=lambda ctx: None)  # type: ignore[call-overload]
    with pytest.raises(ConfigError, match="returned NoneType; it must return a str") as caught:
        await agent.run("hi")
    assert trace_of(caught.value) is not None


# -- output validators ------------------------------------------------------------------------


async def test_output_validator_asks_for_a_retry_then_accepts() -> None:
    model = ScriptedModel(["Paris is nice.", "Paris is nice [1]."])
    agent = Agent(model)

    @agent.output_validator
    def cite(output: str) -> str:
        if "[1]" not in output:
            raise ModelRetry("Cite your source as [1].")
        return output

    result = await agent.run("Tell me about Paris.")
    assert result.output == "Paris is nice [1]."
    retry = model.requests[1].messages[-1]
    assert isinstance(retry, UserMessage) and "Cite your source as [1]." in str(retry.content)
    assert [e.problems for e in result.events if isinstance(e, OutputRetry)] == ["Cite your source as [1]."]


async def test_output_validator_with_context_async_and_changing_the_output() -> None:
    class Answer(BaseModel):
        city: str

    agent = Agent(ScriptedModel(['{"city": "paris"}']), output_type=Answer)

    @agent.output_validator
    async def normalise(ctx: RunContext[str], output: Answer) -> Answer:
        assert ctx.deps == "deps"
        return Answer(city=output.city.title())

    result = await agent.run("Where?", deps="deps")
    assert result.output == Answer(city="Paris")


async def test_after_a_validator_retry_the_model_may_call_tools_again() -> None:
    def lookup(order: int) -> str:
        """Look an order up."""
        return f"order {order}: shipped"

    model = ScriptedModel(["It shipped.", call("lookup", order=7), "Order 7 shipped."])
    agent = Agent(model, tools=[lookup])

    @agent.output_validator
    def grounded(ctx: RunContext[None], output: str) -> str:
        if not any(isinstance(m, ToolResultMessage) for m in ctx.messages):
            raise ModelRetry("Look the order up first.")
        return output

    result = await agent.run("Did order 7 ship?")
    assert result.output == "Order 7 shipped." and [c.name for c in result.tool_calls()] == ["lookup"]


async def test_validator_retries_share_the_output_retries_budget() -> None:
    model = ScriptedModel(["a", "b", "c", "d"])
    agent = Agent(model, output_retries=2)

    @agent.output_validator
    def never(output: str) -> str:
        raise ModelRetry(f"{output!r} is not good enough.")

    with pytest.raises(OutputValidationError, match="'c' is not good enough") as caught:
        await agent.run("go")
    assert len(model.requests) == 3 and caught.value.attempts == 3
    assert trace_of(caught.value) is not None


async def test_validator_and_type_retries_are_counted_together() -> None:
    class N(BaseModel):
        n: int

    # A validator rejection (one retry), then an answer that fails the type: the constrained
    # final answer gets the one retry left (its first request is the redo, as without validators).
    model = ScriptedModel(['{"n": 1}', "not json", "still not", "nor this", "never asked"])
    agent = Agent(model, output_type=N, output_retries=2)

    @agent.output_validator
    def positive_even(output: N) -> N:
        if output.n % 2:
            raise ModelRetry("n must be even.")
        return output

    with pytest.raises(OutputValidationError) as caught:
        await agent.run("go")
    assert len(model.requests) == 4 and caught.value.attempts == 3
    assert len([e for e in trace_of(caught.value).events if isinstance(e, OutputRetry)]) == 2  # type: ignore[union-attr]


async def test_output_validator_in_the_constrained_final_answer() -> None:
    class N(BaseModel):
        n: int

    model = ScriptedModel(["not json", '{"n": 3}', '{"n": 4}'])
    agent = Agent(model, output_type=N)

    @agent.output_validator
    def even(output: N) -> N:
        if output.n % 2:
            raise ModelRetry("n must be even.")
        return output

    result = await agent.run("go")
    assert result.output == N(n=4)
    assert "n must be even." in str(model.requests[2].messages[-1].content)


async def test_a_validator_that_forgets_to_return_is_a_config_error() -> None:
    agent = Agent(ScriptedModel(["x"]))

    @agent.output_validator
    def forgot(output: str) -> str:
        output.strip()  # no return
        return None  # type: ignore[return-value]

    with pytest.raises(ConfigError, match="returned None"):
        await agent.run("go")


def test_a_validator_with_a_wrong_signature_is_a_config_error() -> None:
    agent = Agent(ScriptedModel([]))
    with pytest.raises(ConfigError, match=r"\(ctx, output\) or \(output\)"):
        agent.output_validator(lambda: "x")  # type: ignore[arg-type]


# -- @agent.tool ------------------------------------------------------------------------------


async def test_agent_tool_decorator_bare_and_with_options() -> None:
    model = ScriptedModel([[call("add", a=1, b=2), call("whoami")], "3, Ada"])
    agent = Agent(model)

    @agent.tool
    def add(a: int, b: int) -> int:
        """Add two integers."""
        return a + b

    @agent.tool(name="whoami", timeout=5, max_result_chars=100)
    def user_name(ctx: RunContext[User]) -> str:
        """The user's name."""
        return ctx.deps.name

    assert isinstance(add, Tool) and add(2, 2) == 4
    assert agent.toolset.names == ["add", "whoami"] and agent.toolset.get("whoami").timeout == 5  # type: ignore[union-attr]
    assert agent.toolset.get("whoami").max_result_chars == 100  # type: ignore[union-attr]
    result = await agent.run("go", deps=User("Ada"))
    assert [r.content for r in result.tool_results()] == ["3", "Ada"]
    assert [s["function"]["name"] for s in model.requests[0].tools] == ["add", "whoami"]


def test_agent_tool_adds_to_a_given_toolset_and_rejects_duplicates() -> None:
    from agents import Toolset

    toolset = Toolset()
    agent = Agent(ScriptedModel([]), tools=toolset)

    @agent.tool
    def ping() -> str:
        """Ping."""
        return "pong"

    assert "ping" in toolset
    with pytest.raises(ConfigError, match="Duplicate tool name 'ping'"):
        agent.tool(ping.function)  # type: ignore[arg-type]


# -- thinking that cannot be switched on ------------------------------------------------------


def test_thinking_on_a_profile_without_thinking_warns() -> None:
    with pytest.warns(UserWarning, match=r"thinking=True does nothing for model 'scripted'.*'generic'"):
        Agent(ScriptedModel([]), thinking=True)


async def test_thinking_per_run_on_a_profile_without_thinking_warns() -> None:
    agent = Agent(ScriptedModel(["x"]))
    with pytest.warns(UserWarning, match="thinking=True does nothing"):
        await agent.run("hi", thinking=True)


def test_thinking_on_a_profile_with_thinking_does_not_warn() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        Agent(ScriptedModel([], profile=GEMMA4), thinking=True)
        Agent(ScriptedModel([]), thinking=False)
        Agent(FunctionModel(lambda r: "x"))


# -- the README's example of this API runs as written ------------------------------------------


def test_readme_example_of_context_retries_validators_and_agent_tool() -> None:
    readme = (Path(agents.__file__).resolve().parent.parent / "README.md").read_text()
    section = readme.split("## Instructions, output validators and `@agent.tool`")[1]
    code = section.split("```python\n")[1].split("```")[0]
    served = 'OpenAIChatModel("gemma-4-E2B-it", base_url="http://127.0.0.1:8000/v1")'
    assert served in code
    model = ScriptedModel(
        [
            call("order_status", order_id="B-1"),  # unknown: the tool's ModelRetry
            call("order_status", order_id="A-17"),
            "It shipped.",  # names no order: the validator's ModelRetry
            "Order A-17 shipped.",
        ]
    )
    namespace: dict[str, object] = {"MODEL": model}
    exec(compile(code.replace(served, "MODEL"), "README.md", "exec"), namespace)
    result = namespace["result"]
    assert isinstance(result, agents.RunResult) and result.output == "Order A-17 shipped."
    assert [r.status for r in result.tool_results()] == ["retry", "ok"]
    assert system_text(model.requests[0]) == "Answer in one sentence.\n\nThe customer is Ada."


async def test_a_tool_added_with_agent_tool_can_be_forced_per_run() -> None:
    model = ScriptedModel([call("ping"), "pong"])
    with pytest.raises(ConfigError, match="forced per run"):
        Agent(model, tool_choice="ping")
    agent = Agent(model)

    @agent.tool
    def ping() -> str:
        """Ping."""
        return "pong"

    await agent.run("go", tool_choice="ping")
    assert model.requests[0].tool_choice is not None


async def test_instructions_changed_after_construction_apply_to_the_next_run() -> None:
    model = ScriptedModel(["a", "b"])
    agent = Agent(model, instructions="One.")
    await agent.run("x")
    agent.instructions = ["Two.", lambda: "Three."]
    await agent.run("y")
    assert [system_text(r) for r in model.requests] == ["One.", "Two.\n\nThree."]
