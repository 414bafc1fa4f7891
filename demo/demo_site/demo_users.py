"""
The demo's users: who they are, their known passwords and what logging in as each of them shows.

``idv_demo_setup`` creates them; the home page lists them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class DemoUser:
    """One demo login; the password is the username."""

    username: str
    first_name: str
    last_name: str
    shows: str
    is_staff: bool = False

    @property
    def password(self) -> str:
        """The demo password: the username (it is a demo)."""
        return self.username

    @property
    def full_name(self) -> str:
        """The name written into the learner's verification attempts."""
        return f"{self.first_name} {self.last_name}"


DEMO_USERS: tuple[DemoUser, ...] = (
    DemoUser("staff", "Sam", "Staff", "superuser: the admin, audit trails, anyone's attempts", is_staff=True),
    DemoUser("learner", "Lee", "Learner", "no attempt yet: verify with Persona (the simulator)"),
    DemoUser("verified", "Vera", "Verified", "approved (valid for a year)"),
    DemoUser("pending", "Pat", "Pending", "submitted, under review"),
    DemoUser("expired", "Eve", "Expired", "approved, but the approval has expired"),
    DemoUser("denied", "Dan", "Denied", "not approved; may try again"),
)
