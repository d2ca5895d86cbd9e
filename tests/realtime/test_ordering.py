"""Logged events reach a process's sockets in id order, whichever process committed them.

Process A commits event X, process B commits X+1 a moment later and emits it first: B's
sockets must still get X before X+1, or a client that drops after X+1 resumes past X and
never gets it (found reading the seam: ids follow commit order, emits don't). The order
`InOrder` sends in, for any arrival order; across two real processes:
`test_ordering_multiprocess.py`.
"""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from neighbours.realtime.ordering import InOrder


class _Recorded:
    """What `InOrder` hands on, in order (the base it sits on in the real manager is
    python-socketio's pub/sub manager; here only the order it sends in is looked at)."""

    def __init__(self) -> None:
        self.sent: list[int] = []
        self.server = self

    def _handle_emit(self, message: dict[str, Any]) -> None:
        self.sent.append(message["data"][0].get("event_id"))

    def start_background_task(self, target: Any) -> None:
        pass  # the wait never runs out in these checks

    def sleep(self, seconds: float) -> None:
        pass


class _Ordered(InOrder, _Recorded):
    pass


def _message(event_id: int) -> dict[str, Any]:
    return {"method": "emit", "event": "probe", "data": [{"event_id": event_id}]}


@settings(max_examples=200, deadline=None)
@given(st.permutations(list(range(2, 30))))
def test_any_arrival_order_goes_out_in_id_order(arrivals):
    ordered = _Ordered(order_wait=60.0)
    ordered._handle_emit(_message(1))
    for event_id in arrivals:
        ordered._handle_emit(_message(event_id))
    assert ordered.sent == list(range(1, 30))


def test_a_lower_id_than_the_next_goes_out_at_once():
    ordered = _Ordered(order_wait=60.0)
    for event_id in (5, 6, 3, 7):
        ordered._handle_emit(_message(event_id))
    assert ordered.sent == [5, 6, 3, 7]


def test_events_without_an_id_are_never_held():
    ordered = _Ordered(order_wait=60.0)
    ordered._handle_emit(_message(1))
    ordered._handle_emit(_message(3))
    ordered._handle_emit({"method": "emit", "event": "x", "data": [{"no": "id"}]})
    assert ordered.sent == [1, None]
    ordered._handle_emit(_message(2))
    assert ordered.sent == [1, None, 2, 3]


def test_a_control_message_is_carried_out_in_its_turn_and_never_sent():
    done: list[tuple[str, dict[str, Any]]] = []
    ordered = _Ordered(order_wait=60.0, on_control=lambda a, d: done.append((a, d)))
    ordered._handle_emit(_message(1))
    ordered._handle_emit(_message(3))  # waits for 2
    control = {
        "method": "emit",
        "event": "neighbours:control",
        "data": [{"event_id": 2, "action": "sync_rooms", "data": {"user_id": 7}}],
    }
    ordered._handle_emit(control)
    assert done == [("sync_rooms", {"user_id": 7})]
    assert ordered.sent == [1, 3]  # 3 only after the control: the rooms changed first
