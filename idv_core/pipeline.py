"""
The ``IDVPageURLRequested`` pipeline step idv_core installs: it answers with the default provider's start URL.

Inside the LMS every "verify your identity" link goes through ``IDVerificationService.get_verify_location``,
which builds ``<account MFE>/id-verification?course_id=...`` and redirects to whatever this filter answers,
with no fallback and without catching errors. So the step keeps the incoming query (``course_id``,
``next``) on the provider's start URL, never answers a blank URL and never raises.
"""

from __future__ import annotations

import logging
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from openedx_filters.filters import PipelineStep

from idv_core.conf import idv_setting
from idv_core.providers import get_default_provider

log = logging.getLogger(__name__)


def keep_query(url: str, incoming: str) -> str:
    """Return ``url`` with the query parameters of ``incoming`` added (``url``'s own ones are kept first)."""
    extra = parse_qsl(urlsplit(incoming).query, keep_blank_values=True)
    if not extra:
        return url
    parts = urlsplit(url)
    own = parse_qsl(parts.query, keep_blank_values=True)
    own_names = {name for name, _value in own}
    query = urlencode(own + [(name, value) for name, value in extra if name not in own_names])
    return urlunsplit(parts._replace(query=query))


class DefaultProviderVerifyURL(PipelineStep):
    """
    Replace the verification page URL with the start URL of the default enabled provider.

    The incoming URL's query (the LMS's ``course_id``, a ``next``) is kept on the start URL. With no
    provider enabled the URL passes through unchanged (the generic page then says that verification is not
    available); a blank one becomes ``IDV_VERIFY_URL``. Steps configured after this one may replace the
    URL again.
    """

    def run_filter(self, url: str) -> dict[str, str]:  # type: ignore[override]
        """Return the default provider's start URL with ``url``'s query, or ``url`` when none is enabled."""
        incoming = url if isinstance(url, str) else ""
        fallback = incoming or idv_setting("IDV_VERIFY_URL")
        try:
            provider = get_default_provider()
            start_url = provider.get_start_url() if provider is not None else ""
        except Exception:
            log.exception("The default IDV provider's start URL could not be built; answering %s.", fallback)
            return {"url": fallback}
        if not start_url:
            return {"url": fallback}
        return {"url": keep_query(start_url, incoming)}
