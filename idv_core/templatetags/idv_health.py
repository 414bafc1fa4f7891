"""
``{% idv_health_module %}``: the health figures as an admin module, for the admin index (staff).

Computed when the page is rendered (and sent as monitoring custom attributes of that request), never on a
learner's page: only ``idv_core/admin/index.html`` uses it.
"""

from __future__ import annotations

from typing import Any

from django import template

from idv_core import health

register = template.Library()


@register.inclusion_tag("idv_core/admin/health.html", takes_context=True)
def idv_health_module(context: template.Context) -> dict[str, Any]:
    """The rows of the health module: one per figure, for a staff user; none for anyone else."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_active or not user.is_staff:
        return {"rows": [], "now": None}
    state = health.collect_and_report()
    return {
        "rows": [{"label": figure.label, "value": health.format_value(figure)} for figure in state.figures],
        "now": state.now,
    }
