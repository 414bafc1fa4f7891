"""
The LMS stand-in (tests/lms_platform) behaves as the platform's verify_student app does.

These check the stand-in and the LMS-mode host only (never openedx-idv): each quirk of the platform listed in
shared/reference/lms-verify-student.md, the id offset of the generic attempts, the certificates receiver, the
retirement receivers, the plugin wiring edx-name-affirmation relies on, and the REST views.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.contrib import admin
from django.db import connection, transaction
from django.db.models.signals import post_delete
from django.test import override_settings
from django.utils import timezone
from edx_name_affirmation.models import VerifiedName
from lms.djangoapps.certificates import signals as certificates
from lms.djangoapps.verify_student import api
from lms.djangoapps.verify_student.exceptions import VerificationAttemptInvalidStatus
from lms.djangoapps.verify_student.models import (
    ManualVerification,
    SoftwareSecurePhotoVerification,
    SSOVerification,
    VerificationAttempt,
)
from lms.djangoapps.verify_student.services import IDVerificationService, XBlockVerificationService
from lms.djangoapps.verify_student.statuses import VerificationAttemptStatus
from openedx.core.djangoapps.user_api.accounts.signals import USER_RETIRE_LMS_CRITICAL, USER_RETIRE_LMS_MISC
from openedx_events.learning.signals import IDV_ATTEMPT_APPROVED, IDV_ATTEMPT_CREATED
from openedx_filters.exceptions import OpenEdxFilterException
from openedx_filters.filters import PipelineStep

pytestmark = pytest.mark.django_db

MFE_VERIFY_URL = "http://apps.local.openedx.io:1997/account/id-verification"
IDV_PAGE_FILTER = "org.openedx.learning.idv.page.url.requested.v1"


def _now():
    return timezone.now()


def _approved(user, expiration=None, **extra: Any) -> int:
    """A generic attempt created approved (through the platform API), with ``expiration``."""
    return api.create_verification_attempt(user, "Ada Lovelace", "approved", expiration, **extra)


def _set_times(model: type, pk: int, **times: Any) -> None:
    """Set ``created_at`` / ``updated_at`` / ``status_changed`` (auto fields) directly in the table."""
    model.objects.filter(pk=pk).update(**times)


@pytest.fixture
def recorded_certificates():
    """The certificates receiver's records, empty at the start of the test and after it."""
    certificates.clear()
    yield certificates.RECORDED
    certificates.clear()


# The LMS-mode host


def test_the_generic_ids_start_at_100001(user):
    first = api.create_verification_attempt(user, "Ada", "created")
    second = api.create_verification_attempt(user, "Ada", "created")
    if connection.vendor == "sqlite":
        assert first == 100001
    else:
        assert first > 100000
    assert second == first + 1
    # The older tables keep their ids from 1.
    assert ManualVerification.objects.create(user=user, status="approved").pk < 100000


def test_the_platform_ids_are_autofield_ints():
    assert VerificationAttempt._meta.pk.get_internal_type() == "AutoField"
    assert VerificationAttempt._meta.db_table == "verify_student_verificationattempt"
    assert VerificationAttempt._meta.app_label == "verify_student"


def test_the_lms_mode_host_runs_celery_tasks_eagerly_and_requests_atomically(settings):
    import celery

    assert celery.current_app.main == "lms"
    assert celery.current_app.conf.task_always_eager is True
    assert settings.DATABASES["default"]["ATOMIC_REQUESTS"] is True


def test_connect_plugin_receivers_connected_name_affirmations_post_delete_receiver():
    lookup_key = (
        "edx_name_affirmation.handlers.platform_verification_delete_handler",
        id(VerificationAttempt),
    )
    assert any(receiver[0] == lookup_key for receiver in post_delete.receivers)


def test_name_affirmation_follows_the_platform_rows_and_forgets_them_on_deletion(user):
    attempt_id = api.create_verification_attempt(user, "Ada Lovelace", "created")
    assert VerifiedName.objects.get(user=user).status == "pending"
    api.update_verification_attempt(
        attempt_id, name="Ada Lovelace", status="approved", expiration_datetime=_now() + timedelta(days=9)
    )
    verified = VerifiedName.objects.get(user=user)
    assert (verified.platform_verification_attempt_id, verified.status) == (attempt_id, "approved")

    VerificationAttempt.objects.get(pk=attempt_id).delete()

    assert not VerifiedName.objects.filter(platform_verification_attempt_id=attempt_id).exists()


def test_an_update_without_a_name_fails_name_affirmations_task_not_the_caller(user, caplog):
    # The event's name is None unless passed again; edx-name-affirmation's task then fails (its verified_name
    # is NOT NULL). As in a worker, only the task fails: the caller's transaction goes on.
    attempt_id = api.create_verification_attempt(user, "Ada Lovelace", "created")
    api.update_verification_attempt(
        attempt_id, status="approved", expiration_datetime=_now() + timedelta(days=9)
    )

    assert VerifiedName.objects.get(user=user).status == "pending"
    assert VerificationAttempt.objects.get(pk=attempt_id).status == "approved"
    assert "Error calling handle_idv_event" in caplog.text


def test_the_verification_attempt_admin_is_an_ordinary_editable_model_admin(rf, staff_user):
    model_admin = admin.site._registry[VerificationAttempt]
    request = rf.get("/")
    request.user = staff_user
    assert type(model_admin).__mro__[1] is admin.ModelAdmin
    assert list(model_admin.get_readonly_fields(request)) == []


# The models


def test_the_statuses():
    assert [status.value for status in VerificationAttemptStatus] == [
        "created",
        "pending",
        "approved",
        "denied",
    ]
    assert VerificationAttemptStatus.APPROVED == "approved"


def test_status_changed_is_set_when_the_status_changes(user):
    attempt_id = api.create_verification_attempt(user, "Ada", "created")
    long_ago = _now() - timedelta(days=30)
    _set_times(VerificationAttempt, attempt_id, status_changed=long_ago)

    api.update_verification_attempt(attempt_id, name="Ada L.")
    assert VerificationAttempt.objects.get(pk=attempt_id).status_changed == long_ago

    api.update_verification_attempt(attempt_id, status="pending")
    assert VerificationAttempt.objects.get(pk=attempt_id).status_changed > long_ago


def test_should_display_status_to_user(user):
    shown = VerificationAttempt.objects.get(pk=api.create_verification_attempt(user, "Ada", "created"))
    hidden = VerificationAttempt.objects.get(
        pk=api.create_verification_attempt(user, "Ada", "created", hide_status_from_user=True)
    )
    assert shown.should_display_status_to_user() is True
    assert hidden.should_display_status_to_user() is False
    # The older tables: a photo verification's status is shown, SSO and manual ones are not.
    assert SoftwareSecurePhotoVerification(user=user).should_display_status_to_user() is True
    assert SSOVerification(user=user).should_display_status_to_user() is False
    assert ManualVerification(user=user).should_display_status_to_user() is False


def test_the_older_tables_expire_after_days_good_for(user):
    before = _now()
    manual = ManualVerification.objects.create(user=user, status="approved")
    assert before + timedelta(days=365) <= manual.expiration_date <= _now() + timedelta(days=365)
    assert manual.expiration_datetime == manual.expiration_date

    manual.expiration_date = None
    manual.save()
    assert manual.expiration_datetime == manual.created_at + timedelta(days=365)


# The API


def test_create_sends_only_created_with_the_given_status(user, signals):
    expiration = _now() + timedelta(days=10)
    attempt_id = _approved(user, expiration)

    assert signals.types == ["created"]
    data = signals.payloads[0]
    assert (data.attempt_id, data.status, data.name, data.expiration_date) == (
        attempt_id,
        "approved",
        "Ada Lovelace",
        expiration,
    )
    assert (data.user.id, data.user.pii.username, data.user.pii.email) == (user.id, user.username, user.email)
    assert data.user.pii.name == user.get_full_name()
    attempt = VerificationAttempt.objects.get(pk=attempt_id)
    assert (attempt.status, attempt.expiration_datetime, attempt.hide_status_from_user) == (
        "approved",
        expiration,
        False,
    )


def test_update_sends_the_status_event_with_the_name_as_passed(user, signals):
    attempt_id = api.create_verification_attempt(user, "Ada Lovelace", "created")
    api.update_verification_attempt(attempt_id, status="pending")
    api.update_verification_attempt(attempt_id, name="Ada King", status="denied")
    api.update_verification_attempt(attempt_id, name="Ada only")  # no status, no event

    assert signals.types == ["created", "pending", "denied"]
    assert [data.name for data in signals.payloads] == ["Ada Lovelace", None, "Ada King"]
    assert {data.attempt_id for data in signals.payloads} == {attempt_id}


def test_update_always_overwrites_the_expiration(user, signals):
    attempt_id = api.create_verification_attempt(user, "Ada", "created")
    expiration = _now() + timedelta(days=100)
    api.update_verification_attempt(attempt_id, status="approved", expiration_datetime=expiration)
    assert VerificationAttempt.objects.get(pk=attempt_id).expiration_datetime == expiration
    assert signals.payloads[-1].expiration_date == expiration

    api.update_verification_attempt(attempt_id, name="Ada King")

    attempt = VerificationAttempt.objects.get(pk=attempt_id)
    assert (attempt.name, attempt.status, attempt.expiration_datetime) == ("Ada King", "approved", None)


def test_update_applies_no_transition_rules(user):
    attempt_id = api.create_verification_attempt(user, "Ada", "denied")
    for status in ("approved", "pending", "created", "denied", "approved"):
        api.update_verification_attempt(attempt_id, status=status)
        assert VerificationAttempt.objects.get(pk=attempt_id).status == status


def test_update_of_an_unknown_attempt_raises_does_not_exist(db):
    with pytest.raises(VerificationAttempt.DoesNotExist):
        api.update_verification_attempt(123456789, status="approved")


def test_update_with_an_unknown_status_raises_and_saves_nothing(user, signals):
    attempt_id = api.create_verification_attempt(user, "Ada", "pending", _now() + timedelta(days=3))
    with pytest.raises(VerificationAttemptInvalidStatus):
        api.update_verification_attempt(attempt_id, name="Other", status="must_retry")
    attempt = VerificationAttempt.objects.get(pk=attempt_id)
    assert (attempt.name, attempt.status) == ("Ada", "pending")
    assert attempt.expiration_datetime is not None
    assert signals.types == ["created"]


def test_events_are_sent_inside_the_callers_transaction(user):
    seen: list[tuple[bool, bool]] = []

    def receiver(signal, **kwargs: Any) -> None:
        attempt_id = kwargs["idv_attempt"].attempt_id
        seen.append((connection.in_atomic_block, VerificationAttempt.objects.filter(pk=attempt_id).exists()))

    def create_then_roll_back() -> int:
        with transaction.atomic():
            created.append(api.create_verification_attempt(user, "Ada", "created"))
            raise RuntimeError("roll back")

    created: list[int] = []
    IDV_ATTEMPT_CREATED.connect(receiver, dispatch_uid="test-standin-inside-transaction")
    try:
        with pytest.raises(RuntimeError):
            create_then_roll_back()
    finally:
        IDV_ATTEMPT_CREATED.disconnect(dispatch_uid="test-standin-inside-transaction")
    attempt_id = created[0]

    # Received synchronously, before the (rolled back) transaction ended, while the row existed in it.
    assert seen == [(True, True)]
    assert not VerificationAttempt.objects.filter(pk=attempt_id).exists()


# The reads: user_is_verified, get_expiration_datetime, get_verified_user_ids, verifications_for_user


def test_an_approval_without_expiration_is_not_verified(user):
    _approved(user, expiration=None)
    assert IDVerificationService.user_is_verified(user) is False


def test_an_approval_with_a_future_expiration_is_verified(user):
    _approved(user, _now() + timedelta(days=1))
    assert IDVerificationService.user_is_verified(user) is True


def test_a_newer_approval_with_a_past_expiry_hides_an_older_valid_one(user):
    older = _approved(user, _now() + timedelta(days=300))
    _set_times(VerificationAttempt, older, updated_at=_now() - timedelta(days=5))
    _approved(user, _now() - timedelta(minutes=1))
    assert IDVerificationService.user_is_verified(user) is False
    assert IDVerificationService.get_expiration_datetime(user, ["approved"]) < _now()


def test_the_most_recently_updated_approval_decides_across_tables(user):
    generic = _approved(user, expiration=None)
    _set_times(VerificationAttempt, generic, updated_at=_now() - timedelta(days=1))
    ManualVerification.objects.create(user=user, status="approved")  # expires in DAYS_GOOD_FOR days
    assert IDVerificationService.user_is_verified(user) is True

    _set_times(VerificationAttempt, generic, updated_at=_now() + timedelta(seconds=5))
    assert IDVerificationService.user_is_verified(user) is False


def test_a_denied_or_pending_row_does_not_count_as_verified(user):
    api.create_verification_attempt(user, "Ada", "denied", _now() + timedelta(days=10))
    api.create_verification_attempt(user, "Ada", "pending", _now() + timedelta(days=10))
    assert IDVerificationService.user_is_verified(user) is False
    assert IDVerificationService.get_expiration_datetime(user, ["approved"]) is None


def test_user_has_valid_or_pending(user):
    assert IDVerificationService.user_has_valid_or_pending(user) is False
    SoftwareSecurePhotoVerification.objects.create(user=user, status="submitted")
    assert IDVerificationService.user_has_valid_or_pending(user) is True


def test_get_verified_user_ids_ignores_expiration_and_uses_created_at(make_user):
    expired, stale, photo, unverified = make_user(), make_user(), make_user(), make_user()
    _approved(expired, _now() - timedelta(days=30))  # created now: counts, although expired
    old = _approved(stale, _now() + timedelta(days=300))
    _set_times(VerificationAttempt, old, created_at=_now() - timedelta(days=366))  # too old: ignored
    SoftwareSecurePhotoVerification.objects.create(user=photo, status="approved")
    ManualVerification.objects.create(user=photo, status="approved")
    api.create_verification_attempt(unverified, "U", "pending")

    everyone = [expired, stale, photo, unverified]
    ids = IDVerificationService.get_verified_user_ids(everyone)
    assert not isinstance(ids, list | set)  # an iterator, as the platform's
    assert sorted(ids) == sorted([expired.id, photo.id, photo.id])  # duplicates kept
    assert set(IDVerificationService.get_verified_user_ids([user.id for user in everyone])) == {
        expired.id,
        photo.id,
    }


def test_verifications_for_user_lists_generic_rows_first(user):
    manual = ManualVerification.objects.create(user=user, status="approved")
    photo = SoftwareSecurePhotoVerification.objects.create(user=user, status="denied")
    first = api.create_verification_attempt(user, "Ada", "created")
    second = api.create_verification_attempt(user, "Ada", "created")
    _set_times(VerificationAttempt, first, created_at=_now() - timedelta(days=1))

    verifications = IDVerificationService.verifications_for_user(user)

    assert [(type(v), v.pk) for v in verifications] == [
        (VerificationAttempt, second),
        (VerificationAttempt, first),
        (SoftwareSecurePhotoVerification, photo.pk),
        (ManualVerification, manual.pk),
    ]


# user_status


def test_user_status_none(user):
    assert IDVerificationService.user_status(user) == {
        "status": "none",
        "error": "",
        "should_display": True,
        "status_date": "",
        "verification_expiry": "",
    }


@pytest.mark.parametrize("status", ["created", "pending"])
def test_a_generic_row_in_review_reads_as_none(user, status):
    api.create_verification_attempt(user, "Ada", status)
    assert IDVerificationService.user_status(user)["status"] == "none"


@pytest.mark.parametrize("status", ["submitted", "must_retry"])
def test_an_older_row_in_review_reads_as_pending(user, status):
    SoftwareSecurePhotoVerification.objects.create(user=user, status=status)
    assert IDVerificationService.user_status(user)["status"] == "pending"


def test_user_status_approved(user):
    attempt_id = _approved(user, _now() + timedelta(days=200))
    attempt = VerificationAttempt.objects.get(pk=attempt_id)
    assert IDVerificationService.user_status(user) == {
        "status": "approved",
        "error": "",
        "should_display": True,
        "status_date": attempt.status_changed,
        "verification_expiry": "",
    }


def test_user_status_approved_and_expiring_soon(user):
    expiration = _now() + timedelta(days=10)
    _approved(user, expiration)
    status = IDVerificationService.user_status(user)
    assert status["status"] == "approved"
    assert status["verification_expiry"] == expiration.date().strftime("%m/%d/%Y")


def test_an_approval_without_expiration_reads_as_approved(user):
    # user_status treats "no expiration" as "never expires", unlike user_is_verified.
    _approved(user, expiration=None)
    assert IDVerificationService.user_status(user)["status"] == "approved"
    assert IDVerificationService.user_is_verified(user) is False


def test_user_status_expired(user):
    _approved(user, _now() - timedelta(days=1))
    status = IDVerificationService.user_status(user)
    assert status["status"] == "expired"
    assert status["error"] == "Your Your Platform Name Here verification has expired."
    assert status["should_display"] is True


def test_an_expired_hidden_approval_reads_as_none(user):
    _approved(user, _now() - timedelta(days=1), hide_status_from_user=True)
    status = IDVerificationService.user_status(user)
    assert (status["status"], status["should_display"]) == ("none", False)


def test_user_status_must_reverify(user):
    api.create_verification_attempt(user, "Ada", "denied")
    assert IDVerificationService.user_status(user)["status"] == "must_reverify"


def test_a_denied_photo_verification_reports_its_error(user):
    SoftwareSecurePhotoVerification.objects.create(user=user, status="denied", error_msg="Name mismatch")
    status = IDVerificationService.user_status(user)
    assert (status["status"], status["error"]) == ("must_reverify", "Name mismatch")


def test_the_unexpired_approval_wins_over_newer_rows(user):
    _approved(user, _now() + timedelta(days=100))
    api.create_verification_attempt(user, "Ada", "denied")
    api.create_verification_attempt(user, "Ada", "pending")
    assert IDVerificationService.user_status(user)["status"] == "approved"


def test_the_approval_expiring_last_wins(user):
    later = _approved(user, _now() + timedelta(days=300))
    _set_times(VerificationAttempt, later, created_at=_now() - timedelta(days=3))
    _approved(user, _now() + timedelta(days=5))  # newest, but expires first
    status = IDVerificationService.user_status(user)
    assert status["status_date"] == VerificationAttempt.objects.get(pk=later).status_changed


def test_a_manual_approval_reads_as_approved_but_not_displayed(user):
    ManualVerification.objects.create(user=user, status="approved")
    status = IDVerificationService.user_status(user)
    assert (status["status"], status["should_display"]) == ("approved", False)


def test_verification_status_for_user(user):
    assert IDVerificationService.verification_status_for_user(user, "audit") == "N/A"
    assert IDVerificationService.verification_status_for_user(user, "no-id-professional") == "N/A"
    assert IDVerificationService.verification_status_for_user(user, "verified") == "Not ID Verified"
    assert IDVerificationService.verification_status_for_user(user, "masters", user_is_verified=True) == (
        "ID Verified"
    )
    _approved(user, _now() + timedelta(days=3))
    assert IDVerificationService.verification_status_for_user(user, "professional") == "ID Verified"


def test_the_xblock_service(user):
    _approved(user, _now() + timedelta(days=100))
    service = XBlockVerificationService()
    assert service.get_status(user.id)["status"] == "approved"
    with override_settings(OPEN_EDX_FILTERS_CONFIG={}):
        assert service.reverify_url() == MFE_VERIFY_URL


# get_verify_location and its filter


class AppendMarkerStep(PipelineStep):
    """A pipeline step of the IDV page filter that marks the URL."""

    def run_filter(self, url: str) -> dict[str, Any]:
        return {"url": f"{url}#filtered"}


class EmptyAnswerStep(PipelineStep):
    """A pipeline step that answers no URL."""

    def run_filter(self, url: str) -> dict[str, Any]:
        return {"url": None}


class RefusingStep(PipelineStep):
    """A pipeline step that stops the filter."""

    def run_filter(self, url: str) -> dict[str, Any]:
        raise OpenEdxFilterException(message="no IDV page for you")


def _pipeline(step: type) -> dict[str, Any]:
    return {IDV_PAGE_FILTER: {"pipeline": [f"{__name__}.{step.__name__}"], "fail_silently": False}}


@override_settings(OPEN_EDX_FILTERS_CONFIG={})
def test_get_verify_location_without_a_filter():
    assert IDVerificationService.get_verify_location() == MFE_VERIFY_URL
    assert IDVerificationService.get_verify_location("course-v1:edX+DemoX+Demo_Course") == (
        f"{MFE_VERIFY_URL}?course_id=course-v1%3AedX%2BDemoX%2BDemo_Course"
    )


@override_settings(OPEN_EDX_FILTERS_CONFIG={}, ACCOUNT_MICROFRONTEND_URL="http://mfe.example/account/")
def test_get_verify_location_strips_the_trailing_slash():
    assert IDVerificationService.get_verify_location() == "http://mfe.example/account/id-verification"


def test_get_verify_location_returns_what_the_filter_answers():
    with override_settings(OPEN_EDX_FILTERS_CONFIG=_pipeline(AppendMarkerStep)):
        assert IDVerificationService.get_verify_location("course-v1:a+b+c") == (
            f"{MFE_VERIFY_URL}?course_id=course-v1%3Aa%2Bb%2Bc#filtered"
        )
    with override_settings(OPEN_EDX_FILTERS_CONFIG=_pipeline(EmptyAnswerStep)):
        assert IDVerificationService.get_verify_location() is None
    with (
        override_settings(OPEN_EDX_FILTERS_CONFIG=_pipeline(RefusingStep)),
        pytest.raises(OpenEdxFilterException),
    ):
        IDVerificationService.get_verify_location()


# Retirement


def test_retire_lms_misc_deletes_the_generic_rows_one_post_delete_each(make_user):
    learner, other = make_user(), make_user()
    ids = [api.create_verification_attempt(learner, "Ada", "created") for _ in range(3)]
    kept = api.create_verification_attempt(other, "Bob", "approved")
    deleted: list[int] = []

    def receiver(sender, instance, **kwargs: Any) -> None:
        deleted.append(instance.pk)

    post_delete.connect(receiver, sender=VerificationAttempt, dispatch_uid="test-standin-post-delete")
    try:
        USER_RETIRE_LMS_MISC.send(sender=None, user=learner)
    finally:
        post_delete.disconnect(sender=VerificationAttempt, dispatch_uid="test-standin-post-delete")

    assert sorted(deleted) == ids
    assert list(VerificationAttempt.objects.values_list("pk", flat=True)) == [kept]


def test_retirement_deletes_the_verified_names_of_the_platform_rows(make_user):
    learner, other = make_user(), make_user()
    api.create_verification_attempt(learner, "Ada Lovelace", "created")
    api.create_verification_attempt(other, "Bob Babbage", "created")
    assert VerifiedName.objects.count() == 2

    USER_RETIRE_LMS_MISC.send(sender=None, user=learner)

    assert list(VerifiedName.objects.values_list("user_id", flat=True)) == [other.id]


def test_retire_lms_critical_redacts_photo_and_keeps_manual_by_default(user):
    photo = SoftwareSecurePhotoVerification.objects.create(
        user=user, name="Ada", status="approved", face_image_url="https://x/face", photo_id_key="key"
    )
    manual = ManualVerification.objects.create(user=user, name="Ada", status="approved")
    sso = SSOVerification.objects.create(user=user, name="Ada", status="approved")

    USER_RETIRE_LMS_CRITICAL.send(sender=None, user=user)

    photo.refresh_from_db()
    assert (photo.name, photo.face_image_url, photo.photo_id_key) == ("", "", "")
    assert ManualVerification.objects.get(pk=manual.pk).name == "Ada"
    assert SSOVerification.objects.get(pk=sso.pk).name == "Ada"


@override_settings(REDACT_MANUAL_VERIFICATION_HISTORICAL_PII=True)
def test_retire_lms_critical_deletes_manual_rows_when_the_toggle_is_on(make_user):
    learner, other = make_user(), make_user()
    ManualVerification.objects.create(user=learner, name="Ada", status="approved")
    kept = ManualVerification.objects.create(user=other, name="Bob", status="approved")

    USER_RETIRE_LMS_CRITICAL.send(sender=None, user=learner)

    assert list(ManualVerification.objects.values_list("pk", flat=True)) == [kept.pk]


# The certificates receiver


def test_the_certificates_receiver_is_connected_with_the_platforms_dispatch_uid():
    assert any(
        receiver[0][0] == "openedx_idv_attempt_approved" for receiver in IDV_ATTEMPT_APPROVED.receivers
    )


def test_the_certificates_receiver_records_user_is_verified(user, recorded_certificates):
    valid = api.create_verification_attempt(user, "Ada", "pending")
    api.update_verification_attempt(valid, status="approved", expiration_datetime=_now() + timedelta(days=30))
    without_expiry = api.create_verification_attempt(user, "Ada", "pending")
    api.update_verification_attempt(without_expiry, status="approved")

    assert recorded_certificates == [(user.id, valid, True), (user.id, without_expiry, False)]


def test_an_attempt_created_approved_never_reaches_the_certificates_receiver(user, recorded_certificates):
    _approved(user, _now() + timedelta(days=30))
    assert recorded_certificates == []


# The REST views


def test_the_status_view_needs_a_login(client):
    response = client.get("/verify_student/status/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_the_status_view_without_verification(client, user):
    client.force_login(user)
    response = client.get("/verify_student/status/")
    assert response.status_code == 200
    assert response.json() == {"status": "none", "can_verify": True}


def test_the_status_view_with_a_valid_approval(client, user):
    _approved(user, _now() + timedelta(days=200))
    client.force_login(user)
    body = client.get("/verify_student/status/").json()
    assert (body["status"], body["can_verify"]) == ("approved", False)
    assert body["expires"] == VerificationAttempt.objects.get().expiration_datetime.isoformat().replace(
        "+00:00", "Z"
    )


def test_the_status_view_lets_a_learner_reverify_when_expiring_soon(client, user):
    _approved(user, _now() + timedelta(days=5))
    client.force_login(user)
    body = client.get("/verify_student/status/").json()
    assert (body["status"], body["can_verify"]) == ("approved", True)


def test_the_reverify_view_redirects_to_the_verify_location(client, user):
    client.force_login(user)
    with override_settings(OPEN_EDX_FILTERS_CONFIG={}):
        response = client.get("/verify_student/reverify")
    assert response.status_code == 302
    assert response["Location"] == MFE_VERIFY_URL


def _account_url(username: str, what: str = "verification_status") -> str:
    return f"/api/user/v1/accounts/{username}/{what}/"


def test_the_account_verification_status_is_404_when_none(client, user):
    client.force_login(user)
    assert client.get(_account_url(user.username)).status_code == 404
    api.create_verification_attempt(user, "Ada", "pending")  # reads as none too
    assert client.get(_account_url(user.username)).status_code == 404


def test_the_account_verification_status(client, user):
    _approved(user, _now() + timedelta(days=200))
    client.force_login(user)
    response = client.get(_account_url(user.username))
    assert response.status_code == 200
    assert response.json() == {"is_verified": True, "status": "approved", "expiration_datetime": ""}


def test_the_account_verification_status_of_an_expired_or_soon_expiring_approval(client, user):
    expiration = _now() + timedelta(days=3)
    _approved(user, expiration)
    client.force_login(user)
    assert client.get(_account_url(user.username)).json() == {
        "is_verified": True,
        "status": "approved",
        "expiration_datetime": expiration.date().strftime("%m/%d/%Y"),
    }
    VerificationAttempt.objects.update(expiration_datetime=_now() - timedelta(days=1))
    assert client.get(_account_url(user.username)).json() == {
        "is_verified": False,
        "status": "expired",
        "expiration_datetime": "",
    }


def test_the_account_verification_status_is_for_the_owner_or_staff(client, make_user, staff_user):
    owner, other = make_user(), make_user()
    _approved(owner, _now() + timedelta(days=200))

    assert client.get(_account_url(owner.username)).status_code == 401
    client.force_login(other)
    assert client.get(_account_url(owner.username)).status_code == 403
    client.force_login(staff_user)
    assert client.get(_account_url(owner.username)).status_code == 200
    assert client.get(_account_url("nobody-by-this-name")).status_code == 404


def test_the_account_verifications_list(client, user):
    manual = ManualVerification.objects.create(user=user, status="approved", reason="Known in person")
    generic = _approved(user, _now() + timedelta(days=9))
    _set_times(ManualVerification, manual.pk, updated_at=_now() - timedelta(days=1))
    client.force_login(user)

    body = client.get(_account_url(user.username, "verifications")).json()

    assert [(item["type"], item["status"], item["message"]) for item in body] == [
        ("SSO", "approved", ""),  # the platform's serializer types a generic attempt as "SSO"
        ("Manual", "approved", "Known in person"),
    ]
    assert VerificationAttempt.objects.filter(pk=generic).exists()
