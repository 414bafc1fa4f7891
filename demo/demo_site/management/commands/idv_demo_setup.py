"""
``python demo/manage.py idv_demo_setup``: create the demo users and their verification attempts.

Re-runnable: users that exist are kept (their demo password and flags are restored), learners who already
have attempts are left alone. Attempts are written only through ``idv_core.api``, by hand (``provider=""``),
so idv_core sends its events and edx-name-affirmation records the verified names, as it would in the LMS.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.utils import timezone

from demo_site.demo_users import DEMO_USERS, DemoUser
from idv_core import api

REASON = "Demo data (idv_demo_setup)"


def _verified(user: Any, name: str, staff: Any) -> None:
    attempt_id = api.create_verification_attempt(user, name, "created", changed_by=staff, reason=REASON)
    api.update_verification_attempt(attempt_id, status="approved", changed_by=staff, reason=REASON)


def _pending(user: Any, name: str, staff: Any) -> None:
    attempt_id = api.create_verification_attempt(user, name, "created", changed_by=staff, reason=REASON)
    api.update_verification_attempt(attempt_id, status="pending", changed_by=staff, reason=REASON)


def _expired(user: Any, name: str, staff: Any) -> None:
    attempt_id = api.create_verification_attempt(user, name, "created", changed_by=staff, reason=REASON)
    api.update_verification_attempt(
        attempt_id,
        status="approved",
        expiration_datetime=timezone.now() - timedelta(days=30),
        changed_by=staff,
        reason=REASON,
    )


def _denied(user: Any, name: str, staff: Any) -> None:
    attempt_id = api.create_verification_attempt(user, name, "created", changed_by=staff, reason=REASON)
    api.update_verification_attempt(attempt_id, status="pending", changed_by=staff, reason=REASON)
    api.update_verification_attempt(attempt_id, status="denied", changed_by=staff, reason=REASON)


# The learners who get attempts, and how; the others ("learner") have none.
SCENARIOS: dict[str, Callable[[Any, str, Any], None]] = {
    "verified": _verified,
    "pending": _pending,
    "expired": _expired,
    "denied": _denied,
}


class Command(BaseCommand):
    """Create the demo users (the password is the username) and their attempts, then say where to go."""

    help = "Create the demo users (the password is the username) and their verification attempts."

    def add_arguments(self, parser: CommandParser) -> None:
        """``--url``: the address the demo is served at, for the instructions printed at the end."""
        parser.add_argument(
            "--url",
            default="http://127.0.0.1:8000/",
            help="Where the demo is served (printed in the instructions). Default: %(default)s",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        """Create what is missing, then print the URL and the logins with each user's current status."""
        users, created = {}, 0
        for demo_user in DEMO_USERS:
            users[demo_user.username], was_created = self._ensure_user(demo_user)
            created += was_created
        self.stdout.write(f"Demo users: {created} created, {len(DEMO_USERS) - created} already existed.")

        staff = users["staff"]
        written = skipped = 0
        for demo_user in DEMO_USERS:
            scenario = SCENARIOS.get(demo_user.username)
            if scenario is None:
                continue
            user = users[demo_user.username]
            if api.get_verification_attempts(user):
                skipped += 1
                continue
            # One transaction per learner: all of its attempts or none. idv_core sends the events when it
            # commits, and edx-name-affirmation's (eager) tasks then record the verified names.
            with transaction.atomic():
                scenario(user, demo_user.full_name, staff)
            written += 1
        self.stdout.write(f"Demo attempts: written for {written} learners, {skipped} already had attempts.")
        self._print_instructions(options["url"].rstrip("/") + "/", users)

    def _ensure_user(self, demo_user: DemoUser) -> tuple[Any, bool]:
        user, created = get_user_model().objects.get_or_create(
            username=demo_user.username,
            defaults={
                "first_name": demo_user.first_name,
                "last_name": demo_user.last_name,
                "email": f"{demo_user.username}@example.com",
            },
        )
        changed = created or not user.check_password(demo_user.password)
        if changed:
            user.set_password(demo_user.password)
        for flag in ("is_staff", "is_superuser"):
            if getattr(user, flag) != demo_user.is_staff:
                setattr(user, flag, demo_user.is_staff)
                changed = True
        if not user.is_active:
            user.is_active = changed = True
        if changed:
            user.save()
        return user, created

    def _print_instructions(self, url: str, users: dict[str, Any]) -> None:
        rows = [("Username", "Password", "Status", "What it shows")]
        for demo_user in DEMO_USERS:
            status = api.get_user_verification_status(users[demo_user.username]).status
            rows.append((demo_user.username, demo_user.password, str(status), demo_user.shows))
        widths = [max(len(row[column]) for row in rows) for column in range(3)]
        write = self.stdout.write
        write("")
        write(self.style.SUCCESS("The openedx-idv demo is ready."))
        write(f"  Open {url} and log in (the password is the username):")
        write("")
        for row in rows:
            padded = [cell.ljust(width) for cell, width in zip(row[:3], widths, strict=True)]
            write("  " + "  ".join([*padded, row[3]]))
        write("")
        write(f"  Learner pages: {url}idv/verify , {url}idv/status ; REST: {url}api/idv/v1/status")
        write(f"  Admin (as staff): {url}admin/")
        write("  Persona (the local simulator plays it): log in as learner, 'Verify my identity', Approve.")
        write(f"  The simulator's overview (as staff): {url}persona-simulator/")
        write(
            f"  Manual review: {url}idv/manual/start (ask, as a learner), then decide in the admin as staff."
        )
        write(
            f"  Your institution's sign-in (the demo's own OpenID Connect IdP plays it): {url}idv/sso , "
            "'Sign in with Demo University', then a demo login."
        )
