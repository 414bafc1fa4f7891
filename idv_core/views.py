"""
The learner's pages: "Verify my identity" (the enabled providers and where to start) and "My status".
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.paginator import Paginator
from django.views.generic import TemplateView

from idv_core import api
from idv_core.attempt_pages import STATUS_PAGE_SIZE, UserAttempts
from idv_core.pipeline import keep_query
from idv_core.providers import get_default_provider, get_enabled_providers


class VerifyView(LoginRequiredMixin, TemplateView):
    """Lists the enabled providers and starts the default one through ``get_verify_url``."""

    template_name = "idv_core/verify.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        """Add the enabled providers, the default one, the start URL and the learner's status."""
        context = super().get_context_data(**kwargs)
        default = get_default_provider()
        providers = get_enabled_providers()
        here = self.request.get_full_path()
        context.update(
            providers=providers,
            # Each provider's start link keeps the LMS's course_id / next, as the default one does.
            provider_links=[(provider, keep_query(provider.get_start_url(), here)) for provider in providers],
            default_provider=default,
            # The LMS's course_id / next stay on the start link (the way back once verified).
            start_url=(
                keep_query(api.get_verify_url(self.request.user), self.request.get_full_path())
                if default is not None
                else None
            ),
            verification=api.get_user_verification_status(self.request.user),
        )
        return context


class StatusView(LoginRequiredMixin, TemplateView):
    """
    The learner's own verification status and their visible attempts, newest first,
    ``STATUS_PAGE_SIZE`` per page (``?page=N``; a page number out of range shows the last page).
    """

    template_name = "idv_core/status.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        """Add the learner's summed-up status and one page of the attempts not hidden from them."""
        context = super().get_context_data(**kwargs)
        attempts = UserAttempts(self.request.user.pk, visible_only=True)
        page = Paginator(attempts, STATUS_PAGE_SIZE).get_page(self.request.GET.get("page"))
        # The page links keep the rest of the query (the LMS's course_id / next: the way back).
        kept = self.request.GET.copy()
        kept.pop("page", None)
        context.update(
            page_query=f"{kept.urlencode()}&" if kept else "",
            verification=api.get_user_verification_status(self.request.user),
            attempts=page.object_list,
            page_obj=page,
            verify_url=api.get_verify_url(self.request.user),
        )
        return context
