"""A view reading one learner's verification several times in one request (for test_read_cache.py)."""

from django.db import connection
from django.http import JsonResponse
from django.test.utils import CaptureQueriesContext
from django.urls import path

from idv_core import api


def read_twice(request, user_id: int) -> JsonResponse:
    with CaptureQueriesContext(connection) as first:
        status = api.get_user_verification_status(user_id)
    with CaptureQueriesContext(connection) as again:
        api.get_user_verification_status(user_id)
        verified = api.is_user_verified(user_id)
    if request.GET.get("approve"):
        api.update_verification_attempt(int(request.GET["approve"]), status="approved")
    with CaptureQueriesContext(connection) as after_write:
        verified_after = api.is_user_verified(user_id)
    return JsonResponse(
        {
            "status": status.status.value,
            "verified": verified,
            "verified_after": verified_after,
            "queries": [len(first), len(again), len(after_write)],
        }
    )


urlpatterns = [path("read-twice/<int:user_id>", read_twice)]
