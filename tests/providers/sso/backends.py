"""Test python-social-auth backends: generic OpenID Connect against the fake IdP, under two names."""

from social_core.backends.open_id_connect import OpenIdConnectAuth


class UniversityOIDC(OpenIdConnectAuth):
    """The university's login, which the tests trust for verification."""

    name = "uni-oidc"


class SocialOIDC(OpenIdConnectAuth):
    """Another login through the same IdP, which the tests do not trust."""

    name = "social-oidc"
