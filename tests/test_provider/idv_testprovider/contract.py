"""
A provider written only against the SDK contract: no Django app, no plugin_app, no settings package.

Learners type a code shown to them by settings (``IDV_CONTRACTONLY_CODE``); the right code approves them.
The core mounts its URLs at /idv/contractonly/ and closes them while it is disabled.
"""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path

from idv_core import api
from idv_core.providers import IDVProvider, open_while_disabled
from idv_core.statuses import VerificationAttemptStatus


@login_required
def start(request):
    """GET: the core's start page with a form; POST: an attempt, approved when the code is right."""
    provider = request.idv_provider
    if request.method == "POST":
        right = request.POST.get("code") == provider.setting("IDV_CONTRACTONLY_CODE")
        status = VerificationAttemptStatus.APPROVED if right else VerificationAttemptStatus.DENIED
        provider.create_attempt(request.user, request.user.get_username(), status)
        return redirect("idv:status")
    context = {"provider": provider, "verification": api.get_user_verification_status(request.user)}
    return TemplateResponse(request, "idv_core/provider_start.html", context)


@open_while_disabled
def ping(request):
    """A callback that stays open while the provider is disabled (as a vendor's webhook does)."""
    return HttpResponse(f"pong from {request.idv_provider.id}")


class ContractOnlyProvider(IDVProvider):
    """Verifies learners who type the site's code."""

    name = "Code"
    description = "Type the code your instructor gave you."
    urlpatterns = [path("start", start, name="start"), path("ping", ping, name="ping")]
    settings_defaults = {"IDV_CONTRACTONLY_CODE": "open sesame", "IDV_CONTRACTONLY_HINT": ""}

    def retire_user(self, user_id: int) -> None:
        """Nothing of its own to erase: its attempts are the core's."""
