"""Forms of the manual provider's admin: record a verification, and decide pending attempts in bulk."""

from __future__ import annotations

import unicodedata
from datetime import datetime
from typing import Any

from django import forms
from django.contrib.admin import widgets
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from idv_core import api, names
from idv_manual.models import REASON_MAX_LENGTH, Decision, ManualReview

#: idv_core's limit on a verified name, checked here so that staff see it as a form error.
NAME_MAX_LENGTH = 255
REASON_HELP = _("Why (at most 100 characters). Required for a denial. Do not write names here.")


class UnknownUser(ValueError):
    """No user, or more than one, matches a username or email."""


def find_user(identifier: str) -> AbstractBaseUser:
    """
    Return the user whose username is ``identifier``, or else whose email is (case-insensitively).

    Raises:
        UnknownUser: no user matches, or several users share the email.
    """
    user_model = get_user_model()
    identifier = identifier.strip()
    try:
        return user_model.objects.get(**{user_model.USERNAME_FIELD: identifier})
    except user_model.DoesNotExist:
        pass
    matches = list(user_model.objects.filter(email__iexact=identifier)[:2]) if identifier else []
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise UnknownUser(gettext("Several users have this email address: enter the username instead."))
    raise UnknownUser(gettext("No user has this username or email address."))


def clean_verified_name(name: str) -> str:
    """
    Apply the rest of idv_core's rules for a verified name (the form field strips it, requires it and
    limits its length), with a message that never repeats the name.
    """
    if any(unicodedata.category(character) == "Cc" for character in name):
        raise forms.ValidationError(
            gettext("The name must not contain control characters (line breaks, tabs...).")
        )
    if invisible := names.invisible_characters(name):
        raise forms.ValidationError(names.invisible_characters_message(invisible))
    return name


class ManualVerificationForm(forms.ModelForm):
    """Create an approved or denied ``manual`` verification for a user (the admin's "add" form)."""

    user = forms.CharField(label=_("User"), help_text=_("The learner's username or email address."))
    name = forms.CharField(
        label=_("Verified name"),
        max_length=NAME_MAX_LENGTH,
        help_text=_("The name on the identity document you checked."),
    )
    expiration_datetime = forms.SplitDateTimeField(
        label=_("Expires"),
        required=False,
        widget=widgets.AdminSplitDateTime,
        help_text=_("Approvals only. Leave blank for the site default (IDV_DAYS_GOOD_FOR days)."),
    )

    class Meta:
        model = ManualReview
        fields = ("decision", "reason")
        help_texts = {"reason": REASON_HELP}

    def clean_user(self) -> AbstractBaseUser:
        """Resolve the username or email to a user."""
        try:
            return find_user(self.cleaned_data["user"])
        except UnknownUser as error:
            raise forms.ValidationError(str(error)) from None

    def clean_name(self) -> str:
        """Apply the core's name rules here, so that a bad name is a form error rather than a crash."""
        return clean_verified_name(self.cleaned_data["name"])

    def clean(self) -> dict[str, Any]:
        """A denial needs a reason; only an approval expires, and not in the past."""
        cleaned = super().clean()
        decision = cleaned.get("decision")
        expiration: datetime | None = cleaned.get("expiration_datetime")
        if decision == Decision.DENIED and not cleaned.get("reason", "").strip():
            self.add_error("reason", gettext("A denial needs a reason."))
        if expiration is not None:
            if decision == Decision.DENIED:
                self.add_error("expiration_datetime", gettext("Only an approval expires: leave this blank."))
            elif expiration <= timezone.now():
                self.add_error("expiration_datetime", gettext("The expiration is in the past."))
            elif expiration >= api.EXPIRATION_LIMIT:
                self.add_error(
                    "expiration_datetime",
                    gettext("The expiration must be before {limit} (UTC).").format(
                        limit=f"{api.EXPIRATION_LIMIT:%Y-%m-%d %H:%M}"
                    ),
                )
        return cleaned


class DecisionForm(forms.Form):
    """The reason for approving or denying the selected pending attempts (the bulk action's page)."""

    reason = forms.CharField(
        label=_("Reason"), max_length=REASON_MAX_LENGTH, required=False, help_text=REASON_HELP
    )

    def __init__(self, decision: Decision, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.decision = decision
        self.fields["reason"].required = decision == Decision.DENIED
        if decision == Decision.DENIED:
            self.fields["reason"].error_messages["required"] = gettext("A denial needs a reason.")
