"""``{{ name|idv_display_name }}``: a verified name with invisible format characters shown as markers."""

from __future__ import annotations

from django import template

from idv_core.names import for_display

register = template.Library()


@register.filter
def idv_display_name(name: str) -> str:
    """``idv_core.names.for_display``: ``"[U+202E]"`` for each invisible character; escaped as usual."""
    return for_display(name) if isinstance(name, str) else name
