"""The demo host's own pages: the home page that links to everything, and its icon."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET
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


# A shield with a check mark, in the header's colour. Browsers ask for /favicon.ico on every page that
# names no icon (the admin, the simulator); SVG is served as what it is.
FAVICON_SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">'
    '<path d="M16 2 4 7v8c0 7.5 5.1 13.2 12 15 6.9-1.8 12-7.5 12-15V7z" fill="#0a3055"/>'
    '<path d="m10 16 4 4 8-9" fill="none" stroke="#fff" stroke-width="3" stroke-linecap="round"/></svg>'
)


@require_GET
@cache_control(max_age=86400, public=True)
def favicon(request: HttpRequest) -> HttpResponse:
    """The demo's icon, at the address browsers ask for."""
    return HttpResponse(FAVICON_SVG, content_type="image/svg+xml")
