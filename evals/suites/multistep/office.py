"""Multi-step tasks on the calendar, inbox and contacts."""

from __future__ import annotations

from typing import Any

from evals.checks import ForbiddenCalls
from evals.matching import CallPattern, normalise_text
from evals.suites._build import absent, answer_contains, called, calls, contains, gold, state, where
from evals.tasks import EnvSpec, Task, Turn

ANA, BEN, CARLA, DMITRI = "ana@example.com", "ben@example.com", "carla@example.com", "dmitri@example.com"
OFFICE: dict[str, Any] = {
    "events": {
        "e1": {
            "title": "Team standup",
            "date": "2026-03-10",
            "start": "09:00",
            "end": "09:30",
            "attendees": [ANA, BEN],
        },
        "e2": {
            "title": "Budget review",
            "date": "2026-03-10",
            "start": "11:00",
            "end": "12:00",
            "attendees": [CARLA],
        },
        "e3": {"title": "Dentist", "date": "2026-03-11", "start": "15:00", "end": "16:00", "attendees": []},
        "e4": {
            "title": "Lunch with Ben",
            "date": "2026-03-12",
            "start": "12:00",
            "end": "13:00",
            "attendees": [BEN],
        },
    },
    "inbox": {
        "m1": {
            "sender": ANA,
            "subject": "Slides",
            "body": "Can you send me the slides for Thursday?",
            "read": False,
        },
        "m2": {
            "sender": CARLA,
            "subject": "Budget review",
            "body": (
                "I can't make the budget review on March 10. Could we move it to 2026-03-11 at "
                "10:00, same length?"
            ),
            "read": False,
        },
        "m3": {
            "sender": "news@shop.example",
            "subject": "Sale",
            "body": "Everything 50% off this week.",
            "read": True,
        },
        "m4": {
            "sender": BEN,
            "subject": "Lunch",
            "body": "Can we push our lunch on 2026-03-12 one hour later?",
            "read": False,
        },
    },
    "sent": [],
    "contacts": {"Ana": ANA, "Ben": BEN, "Carla": CARLA, "Dmitri": DMITRI},
}
ENV = EnvSpec(name="office", state=OFFICE)
OFF = "office"


def event(title: str, date: str, start: str, end: str, attendees: list[str] | None = None) -> Any:
    """Some event has this title (normalised), day and times, and at least these attendees."""

    def found(events: dict[str, Any]) -> bool:
        return any(
            normalise_text(e["title"]) == normalise_text(title)
            and (e["date"], e["start"], e["end"]) == (date, start, end)
            and set(attendees or []) <= set(e["attendees"])
            for e in events.values()
        )

    return where(f"event {title!r} {date} {start}-{end} with {attendees or []}", found, "events")


def mailed(to: str, *words: str) -> Any:
    """Some sent email went to `to` and its subject or body mentions every word (normalised)."""

    def found(sent: list[dict[str, Any]]) -> bool:
        return any(
            m["to"] == to
            and all(normalise_text(w) in normalise_text(m["subject"] + " " + m["body"]) for w in words)
            for m in sent
        )

    return where(f"email to {to} mentioning {list(words)}", found, "sent")


def sent_count(n: int) -> Any:
    return where(f"{n} emails sent", lambda sent: len(sent) == n, "sent")


TASKS = [
    Task.single(
        id="office-design-sync",
        env=ENV,
        prompt=(
            "Schedule a 30-minute 'Design sync' with Dmitri on 2026-03-10 at the earliest "
            "free time between 09:00 and 17:00."
        ),
        gold=[
            gold("lookup_contact", name="Dmitri"),
            gold("find_free_slot", date="2026-03-10", duration_minutes=30),
            gold(
                "create_event",
                title="Design sync",
                date="2026-03-10",
                start="09:30",
                end="10:00",
                attendees=[DMITRI],
            ),
        ],
        checks=[event("Design sync", "2026-03-10", "09:30", "10:00", [DMITRI])],
        tags=[OFF, "calendar"],
    ),
    Task.single(
        id="office-carla-request",
        env=ENV,
        prompt="Read Carla's email about the budget review and do what she asks in the calendar.",
        gold=[
            gold("list_emails"),
            gold("read_email", email_id="m2"),
            gold("move_event", event_id="e2", date="2026-03-11", start="10:00", end="11:00"),
        ],
        checks=[contains("events", "e2", subset={"date": "2026-03-11", "start": "10:00", "end": "11:00"})],
        tags=[OFF, "email", "calendar"],
    ),
    Task.single(
        id="office-cancel-dentist",
        env=ENV,
        prompt="Cancel my dentist appointment and email Ana that I am free on the afternoon of 2026-03-11.",
        gold=[
            gold("list_events", date="2026-03-11"),
            gold("cancel_event", event_id="e3"),
            gold("lookup_contact", name="Ana"),
            gold(
                "send_email",
                to=ANA,
                subject="Free on 2026-03-11",
                body="I am free on the afternoon of 2026-03-11.",
            ),
        ],
        checks=[absent("events", "e3"), mailed(ANA, "free")],
        tags=[OFF, "email", "calendar"],
    ),
    Task.single(
        id="office-ben-lunch",
        env=ENV,
        prompt="Handle Ben's email about lunch: move the lunch as he asks and send him a short confirmation.",
        gold=[
            gold("list_emails", unread_only=True),
            gold("read_email", email_id="m4"),
            gold("move_event", event_id="e4", date="2026-03-12", start="13:00", end="14:00"),
            gold(
                "send_email", to=BEN, subject="Lunch", body="Done: lunch moved to 13:00-14:00 on 2026-03-12."
            ),
        ],
        checks=[
            contains("events", "e4", subset={"date": "2026-03-12", "start": "13:00", "end": "14:00"}),
            mailed(BEN),
        ],
        tags=[OFF, "email", "calendar"],
    ),
    Task.single(
        id="office-unread-count",
        env=ENV,
        prompt=(
            "How many unread emails do I have? Read each of them so that they are marked "
            "read, then tell me the count."
        ),
        gold=[
            gold("list_emails", unread_only=True),
            gold("read_email", email_id="m1"),
            gold("read_email", email_id="m2"),
            gold("read_email", email_id="m4"),
        ],
        gold_answer="You had 3 unread emails; all are read now.",
        checks=[
            where("every email read", lambda inbox: all(m["read"] for m in inbox.values()), "inbox"),
            answer_contains("3", "three"),
            sent_count(0),
        ],
        tags=[OFF, "email"],
    ),
    Task.single(
        id="office-agenda-to-dmitri",
        env=ENV,
        prompt="Email Dmitri the titles of all my meetings on 2026-03-10.",
        gold=[
            gold("list_events", date="2026-03-10"),
            gold("lookup_contact", name="Dmitri"),
            gold(
                "send_email", to=DMITRI, subject="Meetings on 2026-03-10", body="Team standup, Budget review"
            ),
        ],
        checks=[mailed(DMITRI, "team standup", "budget review")],
        tags=[OFF, "email", "calendar"],
    ),
    Task.single(
        id="office-quarterly-planning",
        env=ENV,
        prompt=(
            "Invite Ana, Ben and Carla to a one-hour 'Quarterly planning' on 2026-03-12 at "
            "the first free slot."
        ),
        gold=[
            gold("lookup_contact", name="Ana"),
            gold("lookup_contact", name="Ben"),
            gold("lookup_contact", name="Carla"),
            gold("find_free_slot", date="2026-03-12", duration_minutes=60),
            gold(
                "create_event",
                title="Quarterly planning",
                date="2026-03-12",
                start="09:00",
                end="10:00",
                attendees=[ANA, BEN, CARLA],
            ),
        ],
        checks=[event("Quarterly planning", "2026-03-12", "09:00", "10:00", [ANA, BEN, CARLA])],
        tags=[OFF, "calendar"],
    ),
    Task.single(
        id="office-slides-reply",
        env=ENV,
        prompt=(
            "Answer Ana's email: send her an email with the subject 'Slides' saying the slides are attached."
        ),
        gold=[
            gold("list_emails"),
            gold("read_email", email_id="m1"),
            gold("send_email", to=ANA, subject="Slides", body="Hi Ana, the slides are attached."),
        ],
        checks=[
            where(
                "reply to Ana titled Slides",
                lambda s: any(m["to"] == ANA and "slides" in m["subject"].lower() for m in s),
                "sent",
            ),
            state("inbox", "m1", "read", equals=True),
        ],
        tags=[OFF, "email"],
    ),
    Task.single(
        id="office-move-standup",
        env=ENV,
        prompt=(
            "Move the team standup on 2026-03-10 to 09:30-10:00 and email each of its "
            "attendees about the change."
        ),
        gold=[
            gold("list_events", date="2026-03-10"),
            gold("move_event", event_id="e1", date="2026-03-10", start="09:30", end="10:00"),
            gold("send_email", to=ANA, subject="Standup moved", body="The standup is now 09:30-10:00."),
            gold("send_email", to=BEN, subject="Standup moved", body="The standup is now 09:30-10:00."),
        ],
        checks=[
            contains("events", "e1", subset={"start": "09:30", "end": "10:00"}),
            mailed(ANA, "09:30"),
            mailed(BEN, "09:30"),
        ],
        tags=[OFF, "email", "calendar"],
    ),
    Task.single(
        id="office-deep-work",
        env=ENV,
        prompt="Find the first free 2-hour slot on 2026-03-11 and book 'Deep work' there.",
        gold=[
            gold("find_free_slot", date="2026-03-11", duration_minutes=120),
            gold("create_event", title="Deep work", date="2026-03-11", start="09:00", end="11:00"),
        ],
        checks=[event("Deep work", "2026-03-11", "09:00", "11:00")],
        tags=[OFF, "calendar"],
    ),
    Task.single(
        id="office-clear-day",
        env=ENV,
        prompt=(
            "Cancel every event on 2026-03-10 and send each attendee one email saying their "
            "meeting is cancelled."
        ),
        gold=[
            gold("list_events", date="2026-03-10"),
            gold("cancel_event", event_id="e1"),
            gold("cancel_event", event_id="e2"),
            gold("send_email", to=ANA, subject="Cancelled", body="Team standup is cancelled."),
            gold("send_email", to=BEN, subject="Cancelled", body="Team standup is cancelled."),
            gold("send_email", to=CARLA, subject="Cancelled", body="Budget review is cancelled."),
        ],
        checks=[
            where(
                "no event on 2026-03-10",
                lambda ev: all(e["date"] != "2026-03-10" for e in ev.values()),
                "events",
            ),
            where(
                "one email each to Ana, Ben, Carla",
                lambda s: sorted(m["to"] for m in s) == [ANA, BEN, CARLA],
                "sent",
            ),
        ],
        max_steps=12,
        tags=[OFF, "email", "calendar"],
    ),
    Task(
        id="office-gym-after-lunch",
        env=ENV,
        turns=[
            Turn(
                user="What is on my calendar on 2026-03-12?",
                gold=[gold("list_events", date="2026-03-12")],
                gold_answer="Lunch with Ben, 12:00-13:00.",
                checks=[answer_contains("lunch")],
            ),
            Turn(
                user="Add a one-hour 'Gym' session right after it.",
                gold=[gold("create_event", title="Gym", date="2026-03-12", start="13:00", end="14:00")],
                checks=[event("Gym", "2026-03-12", "13:00", "14:00")],
            ),
        ],
        tags=[OFF, "calendar", "multi-turn"],
    ),
    Task.single(
        id="office-forward-sale",
        env=ENV,
        prompt="Forward the email about the sale to Ben, quoting its text.",
        gold=[
            gold("list_emails"),
            gold("read_email", email_id="m3"),
            gold("lookup_contact", name="Ben"),
            gold("send_email", to=BEN, subject="Fwd: Sale", body="Everything 50% off this week."),
        ],
        checks=[mailed(BEN, "50"), sent_count(1)],
        tags=[OFF, "email"],
    ),
    Task.single(
        id="office-slides-review",
        env=ENV,
        prompt=(
            "Someone emailed me about slides. Find their address and invite them to a 'Slides review' "
            "on 2026-03-12 from 15:00 to 15:30."
        ),
        gold=[
            gold("list_emails"),
            gold("lookup_contact", name="Ana"),
            gold(
                "create_event",
                title="Slides review",
                date="2026-03-12",
                start="15:00",
                end="15:30",
                attendees=[ANA],
            ),
        ],
        checks=[
            event("Slides review", "2026-03-12", "15:00", "15:30", [ANA]),
            calls(called("create_event", attendees=[[ANA]])),
            ForbiddenCalls(calls=[CallPattern(name="send_email", allow_extra=True)]),
        ],
        tags=[OFF, "email", "calendar"],
    ),
]
