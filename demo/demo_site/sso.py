"""
The demo's "institution sign-in": a python-social-auth OpenID Connect backend pointed at the demo's own
identity provider (demo_idp, under /demo-idp/), which ``IDV_SSO_TRUSTED_BACKENDS`` trusts.
"""

from social_core.backends.open_id_connect import OpenIdConnectAuth


class DemoUniversityOIDC(OpenIdConnectAuth):
    """Sign in with Demo University (``SOCIAL_AUTH_DEMO_UNIVERSITY_*`` settings; OIDC_ENDPOINT = the IdP)."""

    name = "demo-university"
