"""
The attempts' audit trail in the admin is for reading only: no history "revert" POST changes an attempt.

django-simple-history's ``history_form_view`` saves the old version on any POST once the user may *view*
the history, whatever ``revert_disabled`` says (that only hides the button). A revert would also skip the
status rules and the events: attempts change only through ``idv_core.api``.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission

from idv_core import api
from idv_core.models import VerificationAttempt


@pytest.fixture
def revoked_attempt(user, make_user):
    """An approval that staff revoked: its history holds the approved version."""
    reviewer = make_user(is_staff=True)
    attempt_id = api.create_verification_attempt(user, "Ada Lovelace", "approved")
    api.update_verification_attempt(attempt_id, status="denied", changed_by=reviewer, reason="revoked")
    return attempt_id


def _approved_version_id(attempt_id: int) -> int:
    return (
        VerificationAttempt.history.filter(id=attempt_id, status="approved").latest("history_date").history_id
    )


def _staff_with(make_user, *codenames: str):
    staff = make_user(is_staff=True)
    staff.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="idv_core", codename__in=codenames)
    )
    return staff


def _history_form_url(attempt_id: int, version_id: int) -> str:
    return f"/admin/idv_core/verificationattempt/{attempt_id}/history/{version_id}/"


VIEW_ONLY = ("view_verificationattempt",)
VIEW_AND_CHANGE_HISTORY = (
    "view_verificationattempt",
    "view_historicalverificationattempt",
    "change_historicalverificationattempt",
)


@pytest.mark.parametrize("enforce_history_permissions", [False, True])
@pytest.mark.parametrize("revert_disabled_setting", [False, True])
def test_view_only_staff_cannot_revert_a_revoked_approval(
    client, make_user, revoked_attempt, settings, enforce_history_permissions, revert_disabled_setting
):
    settings.SIMPLE_HISTORY_REVERT_DISABLED = revert_disabled_setting
    settings.SIMPLE_HISTORY_ENFORCE_HISTORY_MODEL_PERMISSIONS = enforce_history_permissions
    client.force_login(_staff_with(make_user, *VIEW_ONLY, "view_historicalverificationattempt"))
    url = _history_form_url(revoked_attempt, _approved_version_id(revoked_attempt))
    history_rows = VerificationAttempt.history.count()

    assert client.get(url).status_code == 200  # reading the old version stays possible
    response = client.post(url, {"_save": "Revert"})

    assert response.status_code == 403
    assert api.get_verification_attempt(revoked_attempt).status == "denied"
    assert VerificationAttempt.history.count() == history_rows


@pytest.mark.parametrize("who", ["superuser", "history_changer"])
def test_nobody_reverts_an_attempt_not_even_a_superuser(client, make_user, revoked_attempt, settings, who):
    settings.SIMPLE_HISTORY_ENFORCE_HISTORY_MODEL_PERMISSIONS = who == "history_changer"
    if who == "superuser":
        client.force_login(make_user(is_staff=True, is_superuser=True))
    else:
        client.force_login(_staff_with(make_user, *VIEW_AND_CHANGE_HISTORY))
    url = _history_form_url(revoked_attempt, _approved_version_id(revoked_attempt))

    page = client.get(url)
    response = client.post(url, {"_save": "Revert"})

    assert page.status_code == 200
    assert page.context["revert_disabled"] is True  # no Revert button either
    assert response.status_code == 403
    assert api.get_verification_attempt(revoked_attempt).status == "denied"


def test_every_history_admin_of_openedx_idv_is_read_only():
    """Any model of ours with a SimpleHistoryAdmin (core or provider) gets the read-only history."""
    from django.contrib import admin
    from simple_history.admin import SimpleHistoryAdmin

    from idv_core.admin import ReadOnlyHistoryAdmin

    ours = {
        model: model_admin
        for model, model_admin in admin.site._registry.items()
        if model._meta.app_label.startswith("idv_") and isinstance(model_admin, SimpleHistoryAdmin)
    }
    assert VerificationAttempt in ours
    assert all(isinstance(model_admin, ReadOnlyHistoryAdmin) for model_admin in ours.values())
