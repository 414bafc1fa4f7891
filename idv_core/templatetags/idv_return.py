"""
``{% idv_return_url as url %}``: where "Back to your course" leads a learner who came to verify from a course.

The LMS's verify links carry ``?course_id=``; a host may add ``next``. Providers keep both through their
flow (``idv_core.providers.with_return_query``) and the status partial offers the way back once the learner is
verified: ``next`` when it is a same-site URL, else ``IDV_COURSE_URL`` for the course, else nothing.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

from django import template
from django.http import HttpRequest
from django.utils.http import url_has_allowed_host_and_scheme

from idv_core.conf import idv_setting

register = template.Library()

# Course keys ("course-v1:Org+Course+Run", old "Org/Course/Run"): no spaces, quotes or angle brackets.
COURSE_ID_PATTERN = re.compile(r"^[\w.:+@~/-]{1,255}$")


def return_url(request: HttpRequest | None) -> str:
    """Return the way back for ``request``'s ``next`` / ``course_id``; "" when there is none (or unsafe)."""
    if request is None:
        return ""
    next_url = request.GET.get("next", "")
    if next_url and url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return next_url
    course_id = request.GET.get("course_id", "")
    template_url = idv_setting("IDV_COURSE_URL")
    if course_id and template_url and COURSE_ID_PATTERN.match(course_id):
        return template_url.format(course_id=quote(course_id, safe=":+@~"))
    return ""


@register.simple_tag(takes_context=True)
def idv_return_url(context: dict[str, Any]) -> str:
    """The way back to where the learner came from (see :func:`return_url`)."""
    return return_url(context.get("request"))
