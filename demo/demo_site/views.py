"""The demo host's own page: the home page that links to everything."""

from __future__ import annotations

from typing import Any

from django.views.generic import TemplateView

from demo_site.demo_users import DEMO_USERS
from idv_core import api


class HomeView(TemplateView):
    """Who is logged in, their verification status, links to every page and API, and the demo logins."""

    template_name = "demo_site/home.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        """Add the demo logins and, for a logged-in user, their verification status."""
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context.update(
            demo_users=DEMO_USERS,
            verification=api.get_user_verification_status(user) if user.is_authenticated else None,
        )
        return context
