"""
Settings of idv_core: their defaults, their documentation, and how the plugin applies them to a host.

The host's own value always wins, whether the host defines it before or after ``add_plugins`` runs:
``plugin_settings`` only fills in what is missing. Code reads these through
``idv_core.conf.idv_setting`` so that a host that does not run ``add_plugins`` gets the same defaults.
"""

from __future__ import annotations

from typing import Any

IDV_PAGE_URL_FILTER_TYPE = "org.openedx.learning.idv.page.url.requested.v1"
DEFAULT_PROVIDER_URL_STEP = "idv_core.pipeline.DefaultProviderVerifyURL"

DEFAULTS: dict[str, Any] = {
    # .. setting_name: IDV_DAYS_GOOD_FOR
    # .. setting_default: 365
    # .. setting_description: How many days an approval lasts when the provider gives no expiration:
    #   an attempt that becomes approved without an expiration gets now + this many days.
    "IDV_DAYS_GOOD_FOR": 365,
    # .. setting_name: IDV_ENABLED_PROVIDERS
    # .. setting_default: None
    # .. setting_description: The ids of the providers learners may use, in the order they are offered.
    #   None enables every installed provider (sorted by id). Ids of providers that are not installed are
    #   reported by ``manage.py check`` (idv_core.W003) and otherwise ignored.
    "IDV_ENABLED_PROVIDERS": None,
    # .. setting_name: IDV_DEFAULT_PROVIDER
    # .. setting_default: None
    # .. setting_description: The id of the provider that ``get_verify_url`` sends learners to. None means the
    #   first enabled provider. It must be enabled (``manage.py check`` reports idv_core.E002 otherwise).
    "IDV_DEFAULT_PROVIDER": None,
    # .. setting_name: IDV_VERIFY_URL
    # .. setting_default: "/idv/verify"
    # .. setting_description: The verification page URL that ``get_verify_url`` starts from before the
    #   ``IDVPageURLRequested`` filter runs. The default is this plugin's "Verify my identity" page.
    "IDV_VERIFY_URL": "/idv/verify",
}


def plugin_settings(settings: Any) -> None:
    """
    Apply idv_core's defaults to the host's settings, keeping every value the host already set.

    Also installs the ``IDVPageURLRequested`` pipeline step that answers with the default provider's start
    URL, at the front of that filter's pipeline, so an operator gets it without editing
    ``OPEN_EDX_FILTERS_CONFIG``; steps the operator configured run after it and may replace the URL.
    """
    for name, default in DEFAULTS.items():
        if not hasattr(settings, name):
            setattr(settings, name, default)

    filters_config = dict(getattr(settings, "OPEN_EDX_FILTERS_CONFIG", None) or {})
    filter_config = filters_config.get(IDV_PAGE_URL_FILTER_TYPE)
    if isinstance(filter_config, str):
        filter_config = {"pipeline": [filter_config]}
    elif isinstance(filter_config, list):
        filter_config = {"pipeline": filter_config}
    else:
        filter_config = dict(filter_config or {})
    pipeline = list(filter_config.get("pipeline", []))
    if DEFAULT_PROVIDER_URL_STEP not in pipeline:
        pipeline.insert(0, DEFAULT_PROVIDER_URL_STEP)
    filter_config["pipeline"] = pipeline
    filter_config.setdefault("fail_silently", True)
    filters_config[IDV_PAGE_URL_FILTER_TYPE] = filter_config
    settings.OPEN_EDX_FILTERS_CONFIG = filters_config
