"""The status vocabulary and its transitions (idv_core.statuses)."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from idv_core.statuses import (
    ALLOWED_TRANSITIONS,
    VerificationAttemptStatus,
    allowed_next_statuses,
    can_transition,
)

S = VerificationAttemptStatus
EXPECTED = {
    ("created", "pending"),
    ("created", "approved"),
    ("created", "denied"),
    ("pending", "approved"),
    ("pending", "denied"),
    ("approved", "denied"),
}


def test_statuses_are_str_enum_with_the_four_values():
    assert VerificationAttemptStatus.values() == ("created", "pending", "approved", "denied")
    assert S.APPROVED == "approved"
    assert isinstance(S.DENIED, str)


@pytest.mark.parametrize("current", S.values())
@pytest.mark.parametrize("new", S.values())
def test_transition_table_is_exactly_the_specified_one(current, new):
    expected = current == new or (current, new) in EXPECTED
    assert can_transition(current, new) is expected


def test_denied_is_final():
    assert ALLOWED_TRANSITIONS[S.DENIED] == frozenset()
    assert allowed_next_statuses("denied") == ()


def test_allowed_next_statuses_are_in_lifecycle_order():
    assert allowed_next_statuses("created") == ("pending", "approved", "denied")


@given(st.text())
def test_is_valid_accepts_only_the_four_values(value):
    assert S.is_valid(value) is (value in {"created", "pending", "approved", "denied"})


@pytest.mark.parametrize("value", [None, 1, b"approved", ["approved"]])
def test_is_valid_rejects_non_strings(value):
    assert S.is_valid(value) is False


def test_can_transition_rejects_unknown_statuses():
    with pytest.raises(ValueError, match="'bogus' is not a valid"):
        can_transition("created", "bogus")
