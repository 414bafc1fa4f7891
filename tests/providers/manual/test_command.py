"""``manage.py idv_manual_verify``: the CSV import of manual decisions."""

from __future__ import annotations

import logging
from contextlib import redirect_stderr, redirect_stdout
from datetime import UTC, datetime, timedelta
from io import StringIO
from unittest import mock

import pytest
from django.core.management import CommandError, call_command
from django.db import connections

from idv_core import api
from idv_manual.csv_import import resolve_users
from idv_manual.management.commands.idv_manual_verify import Command as ManualVerifyCommand
from idv_manual.models import ManualReview

from .conftest import grant_review_permission

pytestmark = pytest.mark.django_db
HEADER = "user,name,expiration_date\n"


@pytest.fixture
def run(tmp_path, reviewer, django_capture_on_commit_callbacks):
    """Run the command on a CSV text; return (stdout, stderr). Events run as after a real commit."""

    def runner(text: str, *, status: str = "approved", reason: str = "", extra=(), reviewer_name=None):
        path = tmp_path / "decisions.csv"
        path.write_text(text, encoding="utf-8")
        out, err = StringIO(), StringIO()
        args = [str(path), "--status", status, "--reviewer", reviewer_name or reviewer.username, *extra]
        if reason:
            args += ["--reason", reason]
        with django_capture_on_commit_callbacks(execute=True):
            call_command("idv_manual_verify", *args, stdout=out, stderr=err)
        return out.getvalue(), err.getvalue()

    return runner


def test_a_good_file_creates_one_approved_manual_attempt_per_row(run, make_user, reviewer, signals, settings):
    settings.IDV_DAYS_GOOD_FOR = 30
    by_name, by_email, by_upper_email = make_user(), make_user(), make_user()
    out, err = run(
        HEADER
        + f"{by_name.username},Ada King,\n"
        + f"{by_email.email},Grace Hopper,2031-03-04\n"
        + f"{by_upper_email.email.upper()},Émilie du Châtelet,2031-03-04T10:30:00+02:00\n",
        reason="documents checked",
    )
    assert out.strip() == "created 3, updated 0, skipped 0, failed 0 (of 3 rows)."
    assert err == ""
    records = {user.pk: api.get_verification_attempts(user) for user in (by_name, by_email, by_upper_email)}
    assert all(len(attempts) == 1 for attempts in records.values())
    first, second, third = (records[u.pk][0] for u in (by_name, by_email, by_upper_email))
    assert [(r.provider, r.status, r.name) for r in (first, second, third)] == [
        ("manual", "approved", "Ada King"),
        ("manual", "approved", "Grace Hopper"),
        ("manual", "approved", "Émilie du Châtelet"),
    ]
    # Blank: the site default. A date: valid through that day (site time zone UTC). A datetime: as given.
    assert timedelta(days=29) < first.expiration_datetime - datetime.now(tz=UTC) <= timedelta(days=30)
    assert second.expiration_datetime == datetime(2031, 3, 5, tzinfo=UTC)
    assert third.expiration_datetime == datetime(2031, 3, 4, 8, 30, tzinfo=UTC)
    reviews = ManualReview.objects.order_by("id")
    assert [(r.attempt_id, r.reviewer, r.decision, r.reason) for r in reviews] == [
        (first.id, reviewer, "approved", "documents checked"),
        (second.id, reviewer, "approved", "documents checked"),
        (third.id, reviewer, "approved", "documents checked"),
    ]
    assert signals.types == ["created", "approved"] * 3
    assert [data.attempt_id for data in signals.payloads] == [first.id] * 2 + [second.id] * 2 + [third.id] * 2


def test_a_naive_datetime_is_in_the_site_time_zone(run, user, settings):
    settings.TIME_ZONE = "Europe/Paris"
    run(HEADER + f"{user.username},Ada,2031-07-01T12:00:00\n")
    assert api.get_verification_attempts(user)[0].expiration_datetime == datetime(
        2031, 7, 1, 10, 0, tzinfo=UTC
    )


def test_bad_rows_are_reported_by_number_without_names_and_the_others_are_imported(run, make_user, signals):
    good, other, twin_a, twin_b = (
        make_user(),
        make_user(),
        make_user(email="t@x.org"),
        make_user(email="T@x.org"),
    )
    out, err = run(
        HEADER
        + f"{good.username},Ada King,\n"  # row 2
        + "ghost-user,Nobody Known,\n"  # row 3
        + f"{other.username},Mary Shelley,31/12/2031\n"  # row 4
        + f"{other.username},   ,\n"  # row 5
        + f"{other.username},Mary Shelley,2001-01-01\n"  # row 6
        + f"{other.username},Mary Shelley\n"  # row 7
        + "\n"  # row 8: blank lines are left out
        + "t@x.org,Twin Name,\n"  # row 9
        + f"{other.username},Mary\tShelley,\n"  # row 10
        + f"{other.username},Mary Shelley,\n"  # row 11
    )
    assert out.strip() == "created 2, updated 0, skipped 0, failed 7 (of 9 rows)."
    lines = err.strip().splitlines()
    assert lines == [
        "row 3: unknown user: no user has this username or email",
        "row 4: bad date: expiration_date must be an ISO 8601 date (2030-12-31) or datetime "
        "(2030-12-31T18:00:00+00:00), or blank",
        "row 5: invalid name: The name must not be blank.",
        "row 6: bad date: expiration_date is in the past",
        "row 7: expected 3 columns (user,name,expiration_date), found 2",
        "row 9: ambiguous user: several users have this email; give the username",
        "row 10: invalid name: The name must not contain control characters (line breaks, tabs, NUL...).",
    ]
    for pii in ("Ada", "Mary", "Nobody", "Twin", "ghost-user", good.username, other.username, "x.org"):
        assert pii not in out + err
    assert [r.name for r in api.get_verification_attempts(other)] == ["Mary Shelley"]
    assert api.get_verification_attempts(twin_a) == api.get_verification_attempts(twin_b) == []
    assert signals.types == ["created", "approved"] * 2


def test_running_the_same_file_again_skips_every_row(run, make_user, signals):
    users = [make_user() for _ in range(3)]
    text = HEADER + "".join(f"{u.username},Name {i},2031-01-01\n" for i, u in enumerate(users))
    run(text)
    signals.events.clear()
    out, _err = run(text)
    assert out.strip() == "created 0, updated 0, skipped 3, failed 0 (of 3 rows)."
    assert all(len(api.get_verification_attempts(u)) == 1 for u in users)
    assert ManualReview.objects.count() == 3
    assert signals.events == []


def test_a_changed_name_or_an_expired_approval_is_not_skipped(run, user):
    api.create_verification_attempt(
        user, "Old Name", "approved", datetime(2001, 1, 1, tzinfo=UTC), provider="manual"
    )
    run(HEADER + f"{user.username},Old Name,\n")
    run(HEADER + f"{user.username},New Name,\n")
    out, _ = run(HEADER + f"{user.username},New Name,\n")
    assert "skipped 1" in out
    assert [r.name for r in api.get_verification_attempts(user)] == ["New Name", "Old Name", "Old Name"]


def test_dry_run_checks_every_row_and_writes_nothing(run, make_user, signals):
    learner, pending_learner = make_user(), make_user()
    pending_id = api.create_verification_attempt(pending_learner, "P", "pending", provider="manual")
    signals.events.clear()
    out, err = run(
        HEADER + f"{learner.username},Ada,\nnobody,X,\n{pending_learner.username},P,\n", extra=["--dry-run"]
    )
    assert out.strip() == (
        "Dry run, nothing written: would have created 1, updated 1, skipped 0, failed 1 (of 3 rows)."
    )
    assert "row 3: unknown user" in err
    assert api.get_verification_attempts(learner) == []
    assert api.get_verification_attempt(pending_id).status == "pending"
    assert ManualReview.objects.count() == 0
    assert signals.events == []


def test_a_pending_manual_attempt_is_decided_with_the_row_s_name(run, user, reviewer, signals):
    attempt_id = api.create_verification_attempt(user, "Asked Name", "pending", provider="manual")
    signals.events.clear()
    out, _ = run(HEADER + f"{user.username},Checked Name,2031-01-01\n")
    assert out.startswith("created 0, updated 1,")
    record = api.get_verification_attempt(attempt_id)
    assert (record.status, record.name) == ("approved", "Checked Name")
    assert len(api.get_verification_attempts(user)) == 1
    assert ManualReview.objects.get().attempt_id == attempt_id
    assert signals.types == ["approved"]


def test_a_denial_revokes_an_active_manual_approval_and_leaves_other_providers_alone(run, user, signals):
    manual_id = api.create_verification_attempt(user, "Ada", "approved", provider="manual")
    other_id = api.create_verification_attempt(user, "Ada", "approved", provider="testprovider")
    signals.events.clear()
    out, _ = run(HEADER + f"{user.username},Ada,\n", status="denied", reason="forged document")
    assert out.startswith("created 0, updated 1, skipped 0, failed 0")
    assert api.get_verification_attempt(manual_id).status == "denied"
    assert api.get_verification_attempt(other_id).status == "approved"
    review = ManualReview.objects.get()
    assert (review.attempt_id, review.decision, review.reason) == (manual_id, "denied", "forged document")
    assert signals.types == ["denied"]
    # Again: the user already has this denial, so the row is skipped.
    again, _ = run(HEADER + f"{user.username},Ada,\n", status="denied", reason="forged document")
    assert "skipped 1" in again


def test_a_denial_for_a_user_without_manual_attempts_creates_a_denied_attempt(run, user, signals):
    out, _ = run(HEADER + f"{user.username},Ada,2031-01-01\n", status="denied", reason="no document")
    assert out.startswith("created 1,")
    [record] = api.get_verification_attempts(user)
    assert (record.status, record.expiration_datetime) == ("denied", None)
    assert signals.types == ["created", "denied"]


def test_an_attempt_that_changed_under_the_import_is_an_invalid_transition(run, user, monkeypatch):
    attempt_id = api.create_verification_attempt(user, "Ada", "pending", provider="manual")
    stale = api.get_verification_attempts(user)
    api.update_verification_attempt(attempt_id, status="denied")  # decided between the read and the write
    monkeypatch.setattr(api, "get_verification_attempts", lambda _user: stale)
    out, err = run(HEADER + f"{user.username},Ada,\n")
    assert "failed 1" in out
    assert err.startswith(f"row 2: invalid transition: Verification attempt {attempt_id} is 'denied';")
    assert api.get_verification_attempt(attempt_id).status == "denied"
    assert ManualReview.objects.count() == 0


def test_large_files_show_a_progress_bar_on_stderr(run, make_user):
    users = [make_user() for _ in range(210)]
    out, err = run(HEADER + "".join(f"{u.username},N,\n" for u in users))
    assert "created 210," in out
    assert "idv_manual_verify" in err
    assert "210/210" in err


# --- refused runs ---------------------------------------------------------------------------------------


def test_a_bad_header_names_the_expected_one(run):
    with pytest.raises(
        CommandError,
        match="must start with the header row 'user,name,expiration_date'; found 'username,name'",
    ):
        run("username,name\nx,y\n")
    with pytest.raises(CommandError, match="found 'an empty file'"):
        run("")


def test_a_denial_needs_a_reason(run, user):
    with pytest.raises(CommandError, match="--status denied needs a --reason"):
        run(HEADER + f"{user.username},Ada,\n", status="denied")
    assert api.get_verification_attempts(user) == []


def test_a_reason_longer_than_the_audit_trail_keeps_is_refused(run, user):
    with pytest.raises(CommandError, match="at most 100"):
        run(HEADER + f"{user.username},Ada,\n", reason="x" * 101)


def test_the_reviewer_must_exist_and_have_the_permission(run, make_user, user):
    with pytest.raises(CommandError, match=r"--reviewer: no user has this username\."):
        run(HEADER + f"{user.username},Ada,\n", reviewer_name="nobody")
    plain_staff = make_user(is_staff=True)
    with pytest.raises(CommandError, match=r"idv_manual\.review_verification"):
        run(HEADER + f"{user.username},Ada,\n", reviewer_name=plain_staff.username)
    assert api.get_verification_attempts(user) == []
    grant_review_permission(plain_staff)
    run(HEADER + f"{user.username},Ada,\n", reviewer_name=plain_staff.username)
    superuser = make_user(is_superuser=True)
    out, _ = run(HEADER + f"{user.username},Ada,\n", reviewer_name=superuser.username)
    assert "skipped 1" in out


def test_a_field_longer_than_the_csv_reader_takes_refuses_the_file_and_writes_nothing(run, make_user):
    first, second = make_user(), make_user()
    huge = "A" * (128 * 1024 + 1)
    text = HEADER + f"{first.username},Ada King,\n" + f'{second.username},"{huge}",\n'
    with pytest.raises(CommandError) as refused:
        run(text)
    assert str(refused.value) == (
        "row 3 cannot be read as CSV (field larger than field limit (131072)). Nothing was imported: fix "
        "the file and run it again."
    )
    assert api.get_verification_attempts(first) == api.get_verification_attempts(second) == []
    assert ManualReview.objects.count() == 0


def test_an_oversized_header_is_row_1(run):
    with pytest.raises(CommandError, match=r"^row 1 cannot be read as CSV \(field larger than field limit"):
        run("user," + "x" * (128 * 1024 + 1) + ",expiration_date\n")


@pytest.mark.parametrize(
    ("expiration", "problem"),
    [
        ("9999-12-31", "bad date: expiration_date is too far in the future (the latest date is 9999-12-29)"),
        (
            "9999-12-31T23:30:00-05:00",
            "bad date: The expiration must be from 1000-01-01T00:00:00+00:00 and before "
            "9999-12-31T00:00:00+00:00: other dates do not fit every time zone and database.",
        ),
    ],
)
def test_an_expiration_too_far_in_the_future_is_a_row_problem(run, make_user, signals, expiration, problem):
    late, fine = make_user(), make_user()
    out, err = run(HEADER + f"{late.username},Ada King,{expiration}\n" + f"{fine.username},Mary Shelley,\n")
    assert out.strip() == "created 1, updated 0, skipped 0, failed 1 (of 2 rows)."
    assert err.strip() == f"row 2: {problem}"
    assert api.get_verification_attempts(late) == []
    assert [record.status for record in api.get_verification_attempts(fine)] == ["approved"]
    assert ManualReview.objects.count() == 1


def test_a_missing_file_is_a_clear_error(reviewer):
    with pytest.raises(CommandError, match=r"Cannot read /nonexistent/file\.csv"):
        call_command(
            "idv_manual_verify",
            "/nonexistent/file.csv",
            "--status",
            "approved",
            "--reviewer",
            reviewer.username,
        )


def test_users_are_resolved_in_chunks_not_one_query_per_row(make_user, django_assert_max_num_queries):
    from django.contrib.auth import get_user_model

    User = get_user_model()
    User.objects.bulk_create([User(username=f"bulk{i}", email=f"bulk{i}@example.org") for i in range(1200)])
    identifiers = [f"bulk{i}" for i in range(600)] + [f"BULK{i}@example.org" for i in range(600, 1200)]
    with django_assert_max_num_queries(6):  # 3 chunks of usernames + 2 chunks of emails
        found = resolve_users(identifiers)
    assert len(found) == 1200
    assert found["BULK700@example.org"].username == "bulk700"


@pytest.mark.django_db(transaction=True)
def test_events_are_sent_after_the_real_commit_once_per_status_change(tmp_path, make_user, signals):
    reviewer = make_user(is_superuser=True)
    learners = [make_user() for _ in range(3)]
    seen_committed = []

    def still_visible(signal, **kwargs):
        # Runs after commit: the attempt is readable (from this connection, outside any transaction).
        seen_committed.append(api.get_verification_attempt(kwargs["idv_attempt"].attempt_id).status)

    from openedx_events.learning.signals import IDV_ATTEMPT_APPROVED

    IDV_ATTEMPT_APPROVED.connect(still_visible, dispatch_uid="test-still-visible")
    try:
        path = tmp_path / "f.csv"
        path.write_text(HEADER + "".join(f"{u.username},N,\n" for u in learners) + "nobody,N,\n")
        out = StringIO()
        call_command(
            "idv_manual_verify",
            str(path),
            "--status",
            "approved",
            "--reviewer",
            reviewer.username,
            stdout=out,
            stderr=StringIO(),
        )
    finally:
        IDV_ATTEMPT_APPROVED.disconnect(dispatch_uid="test-still-visible")
    assert "created 3, updated 0, skipped 0, failed 1" in out.getvalue()
    assert signals.types == ["created", "approved"] * 3
    assert seen_committed == ["approved"] * 3


def test_dry_run_logs_no_created_or_updated_attempt(run, make_user, caplog):
    learner, pending_learner = make_user(), make_user()
    api.create_verification_attempt(pending_learner, "P", "pending", provider="manual")
    with caplog.at_level(logging.INFO, logger="idv_core"):
        run(HEADER + f"{learner.username},Ada,\n{pending_learner.username},P,\n", extra=["--dry-run"])
    logged = [record.getMessage() for record in caplog.records]
    assert not [
        message for message in logged if message.startswith(("Created verification", "Updated verification"))
    ]


def test_a_real_run_logs_the_attempts_it_created(run, user, caplog):
    with caplog.at_level(logging.INFO, logger="idv_core"):
        run(HEADER + f"{user.username},Ada,\n")
    [attempt] = api.get_verification_attempts(user)
    assert (
        f"Created verification attempt {attempt.id} for user {user.pk} (provider 'manual', status approved)."
        in [record.getMessage() for record in caplog.records]
    )


def _run_from_command_line(tmp_path, reviewer, text, *extra):
    path = tmp_path / "decisions.csv"
    path.write_text(text, encoding="utf-8")
    command = [
        "manage.py",
        "idv_manual_verify",
        str(path),
        "--status",
        "approved",
        "--reviewer",
        reviewer.username,
    ]
    # run_from_argv closes every connection when it ends, as manage.py does; on MySQL that would end the
    # test's own transaction under it, so the closing is left out here (what is tested is the exit status).
    with (
        redirect_stdout(StringIO()),
        redirect_stderr(StringIO()),
        mock.patch.object(connections, "close_all"),
    ):
        ManualVerifyCommand().run_from_argv([*command, *extra])


@pytest.mark.parametrize("extra", [(), ("--dry-run",)])
def test_a_command_line_run_with_failed_rows_exits_with_status_1(tmp_path, reviewer, user, extra):
    with pytest.raises(SystemExit) as exited:
        _run_from_command_line(tmp_path, reviewer, HEADER + f"{user.username},Ada,\nnobody,X,\n", *extra)
    assert exited.value.code == 1


def test_a_command_line_run_without_failed_rows_exits_normally(tmp_path, reviewer, user):
    _run_from_command_line(tmp_path, reviewer, HEADER + f"{user.username},Ada,\n")
    assert api.get_verification_attempts(user)[0].status == "approved"
