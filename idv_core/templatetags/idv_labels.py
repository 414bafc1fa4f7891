"""
``{{ attempt.status|idv_status_label }}`` and ``{{ attempt.provider|idv_provider_label }}``: what the
learner reads for a status value and a provider id, in their language (the values stay the API's).
"""

from __future__ import annotations

from django import template
from django.utils.translation import gettext_lazy as _

from idv_core.providers import get_installed_providers
from idv_core.statuses import UserVerificationState

register = template.Library()

#: The label of each attempt status and user verification state (a superset: it adds "none" and "expired").
STATUS_LABELS = {
    UserVerificationState.NONE: _("not verified"),
    UserVerificationState.CREATED: _("started"),
    UserVerificationState.PENDING: _("under review"),
    UserVerificationState.APPROVED: _("approved"),
    UserVerificationState.DENIED: _("not approved"),
    UserVerificationState.EXPIRED: _("expired"),
}


@register.filter
def idv_status_label(status: str) -> str:
    """The learner's word for ``status``; an unknown value is shown as it is."""
    return STATUS_LABELS.get(status, status)


@register.filter
def idv_provider_label(provider_id: str) -> str:
    """The installed provider's name (``IDVProvider.name``), "support staff" for none, else the id."""
    if not provider_id:
        # Translators: the "Method" of an attempt that support staff recorded, with no provider.
        return _("support staff")
    provider = get_installed_providers().get(provider_id)
    return str(provider.name or provider_id) if provider is not None else provider_id
