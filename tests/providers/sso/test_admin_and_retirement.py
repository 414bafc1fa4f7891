"""Staff's read-only view of the provider's records, and user retirement."""

from __future__ import annotations

import pytest
from django.utils import timezone

from idv_sso.models import SSOVerification
from idv_sso.retirement import retire_user_sso_verifications

pytestmark = pytest.mark.django_db


def _record(user, attempt_id: int) -> SSOVerification:
    return SSOVerification.objects.create(
        user=user,
        attempt_id=attempt_id,
        external_id=f"sso-{attempt_id}",
        backend="uni-oidc",
        uid=f"u-{attempt_id}",
    )


def test_staff_see_the_records_read_only(client, make_user):
    admin = make_user(is_staff=True, is_superuser=True)
    record = _record(make_user(), 7)
    client.force_login(admin)
    changelist = client.get("/admin/idv_sso/ssoverification/")
    assert changelist.status_code == 200
    assert "uni-oidc" in changelist.content.decode()
    assert client.get("/admin/idv_sso/ssoverification/add/").status_code == 403
    detail = client.post(f"/admin/idv_sso/ssoverification/{record.pk}/change/", {"backend": "other"})
    assert detail.status_code == 403
    record.refresh_from_db()
    assert record.backend == "uni-oidc"
    assert str(record) == f"SSO verification {record.pk} (attempt 7, uni-oidc)"
    assert record.created <= timezone.now()


def test_retirement_deletes_the_user_s_records_only(make_user):
    retired, other = make_user(), make_user()
    _record(retired, 1)
    _record(retired, 2)
    _record(other, 3)
    assert retire_user_sso_verifications(retired) == 2
    assert retire_user_sso_verifications(retired.pk) == 0
    assert list(SSOVerification.objects.values_list("attempt_id", flat=True)) == [3]
