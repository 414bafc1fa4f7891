"""Registered as the provider ``notaprovider``: it loads, but its class is no IDVProvider."""


class NotAProvider:
    """Registered on purpose although it is not an IDVProvider: the registry must refuse it."""
