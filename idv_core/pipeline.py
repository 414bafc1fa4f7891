"""
The ``IDVPageURLRequested`` pipeline step idv_core installs: it answers with the default provider's start URL.
"""

from __future__ import annotations

from openedx_filters.filters import PipelineStep

from idv_core.providers import get_default_provider


class DefaultProviderVerifyURL(PipelineStep):
    """
    Replace the verification page URL with the start URL of the default enabled provider.

    With no provider enabled the URL passes through unchanged (the generic page then says that
    verification is not available). Steps configured after this one may replace the URL again.
    """

    def run_filter(self, url: str) -> dict[str, str]:  # type: ignore[override]
        """Return the default provider's start URL, or ``url`` when no provider is enabled."""
        provider = get_default_provider()
        if provider is None:
            return {"url": url}
        return {"url": provider.get_start_url()}
