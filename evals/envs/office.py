"""A calendar with an email inbox and an address book."""

from __future__ import annotations

import copy
import re
from datetime import date as Date
from typing import Any

_TIME = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[a-z]+$")
_DAY_START, _DAY_END = 9 * 60, 17 * 60


def _minutes(value: str, what: str) -> int:
    m = _TIME.match(value)
    if not m:
        raise ValueError(f"{what} must be a 24-hour time HH:MM such as '14:30', not {value!r}.")
    return int(m.group(1)) * 60 + int(m.group(2))


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _day(value: str) -> str:
    try:
        return Date.fromisoformat(value).isoformat()
    except ValueError:
        raise ValueError(f"date must be YYYY-MM-DD such as '2026-03-14', not {value!r}.") from None


class Office:
    """Calendar events, an inbox, sent mail and contacts.

    Initial state: `{"events": {"e1": {"title", "date", "start", "end", "attendees"}},
    "inbox": {"m1": {"sender", "subject", "body", "read"}}, "sent": [], "contacts": {"Ana": "ana@x.org"}}`.
    New events are numbered after the highest existing id.
    """

    def __init__(
        self,
        events: dict[str, dict[str, Any]] | None = None,
        inbox: dict[str, dict[str, Any]] | None = None,
        sent: list[dict[str, Any]] | None = None,
        contacts: dict[str, str] | None = None,
    ) -> None:
        self._events = copy.deepcopy(events or {})
        for event in self._events.values():
            event.setdefault("attendees", [])
        self._inbox = copy.deepcopy(inbox or {})
        for mail in self._inbox.values():
            mail.setdefault("read", False)
        self._sent = copy.deepcopy(sent or [])
        self._contacts = dict(contacts or {})

    def _snapshot(self) -> dict[str, Any]:
        return copy.deepcopy(
            {"events": self._events, "inbox": self._inbox, "sent": self._sent, "contacts": self._contacts}
        )

    def _event(self, event_id: str) -> dict[str, Any]:
        if event_id not in self._events:
            raise ValueError(f"No event {event_id!r}; list_events shows the ids of a day's events.")
        return self._events[event_id]

    def _check_slot(self, day: str, start: int, end: int, ignore: str | None = None) -> None:
        if end <= start:
            raise ValueError("end must be later than start.")
        for eid, e in self._events.items():
            overlaps = start < _minutes(e["end"], "end") and _minutes(e["start"], "start") < end
            if eid != ignore and e["date"] == day and overlaps:
                raise ValueError(f"That time overlaps {eid} '{e['title']}' ({e['start']}-{e['end']}).")

    def list_events(self, date: str) -> list[dict[str, Any]]:
        """List the events of one day, earliest first.

        Args:
            date: The day, YYYY-MM-DD.
        """
        day = _day(date)
        found = [{"id": k, **v} for k, v in self._events.items() if v["date"] == day]
        return sorted(found, key=lambda e: str(e["start"]))

    def create_event(
        self, title: str, date: str, start: str, end: str, attendees: list[str] | None = None
    ) -> str:
        """Add an event to the calendar; it must not overlap another event.

        Args:
            title: What the event is.
            date: The day, YYYY-MM-DD.
            start: Start time, HH:MM (24-hour).
            end: End time, HH:MM (24-hour).
            attendees: Email addresses of the people invited.
        """
        day = _day(date)
        self._check_slot(day, _minutes(start, "start"), _minutes(end, "end"))
        for a in attendees or []:
            if not _EMAIL.match(a):
                raise ValueError(f"Attendee {a!r} is not an email address; lookup_contact finds addresses.")
        number = max((int(k[1:]) for k in self._events if k[1:].isdigit()), default=0) + 1
        eid = f"e{number}"
        self._events[eid] = {
            "title": title,
            "date": day,
            "start": start,
            "end": end,
            "attendees": list(attendees or []),
        }
        return eid

    def cancel_event(self, event_id: str) -> str:
        """Remove an event from the calendar.

        Args:
            event_id: The event's id, e.g. 'e3'.
        """
        event = self._event(event_id)
        del self._events[event_id]
        return f"cancelled {event_id} '{event['title']}'"

    def move_event(self, event_id: str, date: str, start: str, end: str) -> str:
        """Move an event to another day or time.

        Args:
            event_id: The event's id.
            date: The new day, YYYY-MM-DD.
            start: The new start time, HH:MM.
            end: The new end time, HH:MM.
        """
        event = self._event(event_id)
        day = _day(date)
        self._check_slot(day, _minutes(start, "start"), _minutes(end, "end"), ignore=event_id)
        event.update(date=day, start=start, end=end)
        return f"moved {event_id} to {day} {start}-{end}"

    def find_free_slot(self, date: str, duration_minutes: int) -> str:
        """The earliest free time of a day between 09:00 and 17:00 long enough for a meeting.

        Args:
            date: The day, YYYY-MM-DD.
            duration_minutes: How long the meeting lasts.
        """
        if duration_minutes <= 0:
            raise ValueError("duration_minutes must be positive.")
        day = _day(date)
        busy = sorted(
            (_minutes(e["start"], "start"), _minutes(e["end"], "end"))
            for e in self._events.values()
            if e["date"] == day
        )
        t = _DAY_START
        for start, end in busy:
            if start - t >= duration_minutes:
                break
            t = max(t, end)
        if t + duration_minutes > _DAY_END:
            raise ValueError(f"No free {duration_minutes}-minute slot on {day} between 09:00 and 17:00.")
        return f"{_clock(t)}-{_clock(t + duration_minutes)}"

    def list_emails(self, unread_only: bool = False) -> list[dict[str, Any]]:
        """List the inbox: id, sender, subject and whether it was read.

        Args:
            unread_only: Only list unread emails.
        """
        return [
            {"id": k, "sender": m["sender"], "subject": m["subject"], "read": m["read"]}
            for k, m in self._inbox.items()
            if not (unread_only and m["read"])
        ]

    def read_email(self, email_id: str) -> dict[str, Any]:
        """Read one email (and mark it read).

        Args:
            email_id: The email's id, e.g. 'm2'.
        """
        if email_id not in self._inbox:
            raise ValueError(f"No email {email_id!r}; list_emails shows the ids.")
        mail = self._inbox[email_id]
        mail["read"] = True
        return {"id": email_id, **mail}

    def send_email(self, to: str, subject: str, body: str) -> str:
        """Send an email.

        Args:
            to: The recipient's email address (lookup_contact finds it from a name).
            subject: The subject line.
            body: The message.
        """
        if not _EMAIL.match(to):
            raise ValueError(f"{to!r} is not an email address; use lookup_contact to find one.")
        self._sent.append({"to": to, "subject": subject, "body": body})
        return f"sent to {to}"

    def lookup_contact(self, name: str) -> str:
        """The email address of a contact, by name (case-insensitive).

        Args:
            name: The contact's name, e.g. 'Ana'.
        """
        for known, address in self._contacts.items():
            if known.lower() == name.strip().lower():
                return address
        raise ValueError(f"No contact named {name!r}. Known: {', '.join(sorted(self._contacts))}.")
