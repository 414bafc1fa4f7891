"""
``testprovider``: the test host's default provider. A learner who types a name and the confirmation phrase
is verified under that name.

The start page is the core's, with two fields in its ``form`` block; the template is a string, so the
provider needs no Django app. A POST finds the learner's open attempt (or records a ``created`` one) with the
typed name, then moves it to ``approved`` when the phrase is right and to ``pending`` otherwise.
"""

from django.contrib.auth.decorators import login_required
from django.core.checks import CheckMessage, Warning
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template import engines
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.views.decorators.http import require_http_methods

from idv_core import api
from idv_core.exceptions import VerificationAttemptInvalidName
from idv_core.providers import IDVProvider, with_return_query
from idv_core.statuses import VerificationAttemptStatus

START_PAGE = """{% extends "idv_core/provider_start.html" %}
{% block form %}<form method="post">{% csrf_token %}
  <label>Name <input name="name"></label>
  <label>Phrase <input name="phrase"></label>
  <button class="idv-button" type="submit" data-testid="idv-provider-start">Submit</button>
</form>{% endblock %}"""


def _start_page(request: HttpRequest, error: str = "", status: int = 200) -> HttpResponse:
    context = {
        "provider": request.idv_provider,
        "verification": api.get_user_verification_status(request.user),
        "error": error,
    }
    return TemplateResponse(request, engines["django"].from_string(START_PAGE), context, status=status)


@transaction.non_atomic_requests  # the start lock's own transaction, even under ATOMIC_REQUESTS
@login_required
@require_http_methods(["GET", "POST"])
def start(request: HttpRequest) -> HttpResponse:
    """GET shows the form; POST records an attempt with the typed name, approved if the phrase matches."""
    provider = request.idv_provider
    if request.method == "GET":
        return _start_page(request)
    name = request.POST.get("name", "")
    confirmed = request.POST.get("phrase") == provider.setting("IDV_TESTPROVIDER_PHRASE")
    status = VerificationAttemptStatus.APPROVED if confirmed else VerificationAttemptStatus.PENDING
    try:
        # The learner's open attempt (one, however many submissions race), decided by this submission
        # under the start lock: the next submission finds it decided, or still open, never half-way.
        with provider.start_lock(request.user):
            attempt, _created = provider.open_attempt(request.user, name, VerificationAttemptStatus.CREATED)
            provider.update_attempt(attempt.id, name=name, status=status)
    except VerificationAttemptInvalidName as error:
        return _start_page(request, error=str(error), status=400)
    return redirect(with_return_query(reverse("idv:status"), request))


class TestProvider(IDVProvider):
    """Verifies learners who confirm a phrase; reports a check warning when told to by settings."""

    name = "Test provider"
    description = "Confirm a phrase to be verified (tests only)."
    urlpatterns = [path("start", start, name="start")]
    settings_defaults = {"IDV_TESTPROVIDER_PHRASE": "I am me", "IDV_TESTPROVIDER_MISCONFIGURED": False}

    def check(self) -> list[CheckMessage]:
        """Warn when the test setting says the provider is misconfigured."""
        if self.setting("IDV_TESTPROVIDER_MISCONFIGURED"):
            return [Warning("IDV_TESTPROVIDER_MISCONFIGURED is set.", id="testprovider.W001")]
        return []
