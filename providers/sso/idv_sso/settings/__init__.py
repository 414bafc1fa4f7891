"""Settings of idv_sso, applied to the host by the plugin app (``settings.common``)."""
