"""
``{{ attempt.status|idv_status_label }}``: what the learner reads for a status value, in their language
(the value itself stays the API's).
"""

from __future__ import annotations

from django import template
from django.utils.translation import gettext_lazy as _

from idv_core.statuses import UserVerificationState

register = template.Library()

#: The label of each attempt status and user verification state (a superset: it adds "none" and "expired").
STATUS_LABELS = {
    UserVerificationState.NONE: _("not verified"),
    UserVerificationState.CREATED: _("started"),
    UserVerificationState.PENDING: _("under review"),
    UserVerificationState.APPROVED: _("approved"),
    UserVerificationState.DENIED: _("denied"),
    UserVerificationState.EXPIRED: _("expired"),
}


@register.filter
def idv_status_label(status: str) -> str:
    """The learner's word for ``status``; an unknown value is shown as it is."""
    return STATUS_LABELS.get(status, status)
