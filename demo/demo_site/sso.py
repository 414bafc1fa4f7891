"""
The demo's "institution sign-in": a python-social-auth OpenID Connect backend pointed at the demo's own
identity provider (demo_idp, under /demo-idp/), which ``IDV_SSO_TRUSTED_BACKENDS`` trusts.
"""

from django.http import HttpRequest
from social_core.backends.open_id_connect import OpenIdConnectAuth
from social_django.middleware import SocialAuthExceptionMiddleware


class DemoUniversityOIDC(OpenIdConnectAuth):
    """Sign in with Demo University (``SOCIAL_AUTH_DEMO_UNIVERSITY_*`` settings; OIDC_ENDPOINT = the IdP)."""

    name = "demo-university"


class SignInErrorMiddleware(SocialAuthExceptionMiddleware):
    """
    A sign-in that the identity provider refused or the learner cancelled ends back on the sign-in page
    (``SOCIAL_AUTH_LOGIN_ERROR_URL``), not on a server error, whatever ``DEBUG`` says (social-auth re-raises
    its errors while ``DEBUG`` is on, and the demo runs with it). The LMS has its own such middleware.
    """

    def raise_exception(self, request: HttpRequest, exception: Exception) -> bool:
        return False
