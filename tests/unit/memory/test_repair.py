"""`repair_history`: every call gets exactly one result, right after its turn."""

from hypothesis import given
from hypothesis import strategies as st

from agents.memory import repair_history
from agents.memory._repair import INTERRUPTED
from agents.messages import AssistantMessage, Message, ToolResultMessage, user
from tools import ToolCall


def _call(*ids: str) -> AssistantMessage:
    return AssistantMessage(tool_calls=[ToolCall(id=i, name="f") for i in ids])


def _result(call_id: str) -> ToolResultMessage:
    return ToolResultMessage(call_id=call_id, name="f", content="ok")


def test_a_complete_history_is_unchanged() -> None:
    messages: list[Message] = [
        user("q"),
        _call("a", "b"),
        _result("b"),
        _result("a"),
        AssistantMessage(text="x"),
    ]
    assert repair_history(messages) == (messages, 0)


def test_missing_results_come_after_the_stored_ones_in_call_order() -> None:
    fixed, n = repair_history([user("q"), _call("a", "b", "c"), _result("b"), user("next")])
    assert n == 2
    assert [(m.role, getattr(m, "call_id", None)) for m in fixed] == [
        ("user", None), ("assistant", None), ("tool", "b"), ("tool", "a"), ("tool", "c"), ("user", None)
    ]  # fmt: skip
    synthesized = fixed[3]
    assert isinstance(synthesized, ToolResultMessage)
    assert (synthesized.status, synthesized.content) == ("error", INTERRUPTED)


def test_results_of_unknown_duplicate_or_earlier_calls_are_dropped() -> None:
    fixed, n = repair_history(
        [_result("zz"), _call("a"), _result("a"), _result("a"), _call("b"), _result("a"), _result("b")]
    )
    assert n == 0
    assert [getattr(m, "call_id", "call") for m in fixed] == ["call", "a", "call", "b"]


_messages = st.lists(
    st.one_of(
        st.builds(lambda t: user(t), st.sampled_from(["u1", "u2"])),
        st.builds(lambda ids: _call(*ids), st.lists(st.sampled_from("abcd"), unique=True, max_size=3)),
        st.builds(_result, st.sampled_from("abcde")),
    ),
    max_size=12,
)


@given(_messages)
def test_every_call_has_exactly_one_result_right_after_its_turn(messages: list[Message]) -> None:
    fixed, n = repair_history(messages)
    for i, m in enumerate(fixed):
        if isinstance(m, AssistantMessage) and m.tool_calls:
            after = fixed[i + 1 : i + 1 + len(m.tool_calls)]
            assert all(isinstance(r, ToolResultMessage) for r in after)
            assert sorted(r.call_id for r in after if isinstance(r, ToolResultMessage)) == sorted(
                c.id for c in m.tool_calls
            )
        if isinstance(m, ToolResultMessage):
            assert i > 0 and fixed[i - 1].role in ("assistant", "tool")
    assert sum(isinstance(m, ToolResultMessage) and m.content == INTERRUPTED for m in fixed) == n
    assert repair_history(fixed) == (fixed, 0)  # idempotent
