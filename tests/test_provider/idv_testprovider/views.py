"""The test provider's start page: creates an attempt, then lets the learner submit or confirm it."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from idv_core import api
from idv_core.exceptions import VerificationAttemptInvalidName
from idv_core.providers import enabled_provider_required
from idv_core.statuses import VerificationAttemptStatus

PROVIDER_ID = "testprovider"


@login_required
@enabled_provider_required(PROVIDER_ID)
@require_http_methods(["GET", "POST"])
def start(request):
    """GET shows the form; POST records an attempt with the typed name, approved if the phrase matches."""
    if request.method == "POST":
        try:
            attempt_id = api.create_verification_attempt(
                request.user,
                request.POST.get("name", ""),
                VerificationAttemptStatus.CREATED,
                provider=PROVIDER_ID,
            )
        except VerificationAttemptInvalidName as error:
            return render(request, "idv_testprovider/start.html", {"error": str(error)}, status=400)
        confirmed = request.POST.get("phrase") == "I am me"
        api.update_verification_attempt(
            attempt_id,
            status=VerificationAttemptStatus.APPROVED if confirmed else VerificationAttemptStatus.PENDING,
        )
        return redirect("idv:status")
    return render(request, "idv_testprovider/start.html")
