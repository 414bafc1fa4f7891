"""
Fixtures of the sso provider's tests: a fake OpenID Connect IdP on 127.0.0.1, social-auth configured
against it (autouse, through the ``settings`` fixture), and a browser-like sign-in through Django's client.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests
from django.test import Client
from social_core.pipeline import DEFAULT_AUTH_PIPELINE

from tests.providers.sso.fake_idp import FakeIdentityProvider, FakeIdentityProviderServer

TRUSTED = "uni-oidc"
UNTRUSTED = "social-oidc"
PIPELINE_PROBE = "tests.providers.sso.conftest.pipeline_probe"


@dataclass
class PipelineRuns:
    """The keyword arguments the pipeline passed to the step right before ``verify_identity``, per run."""

    kwargs: list[dict[str, Any]] = field(default_factory=list)


_runs = PipelineRuns()


def pipeline_probe(*args: Any, **kwargs: Any) -> None:
    """A pipeline step that records what the next step (``verify_identity``) is called with."""
    _runs.kwargs.append(kwargs)


@pytest.fixture(scope="session")
def fake_idp() -> Iterator[FakeIdentityProvider]:
    """The fake IdP, served for the whole session; each test sets who signs in (``identity``)."""
    with FakeIdentityProviderServer() as idp:
        idp.clients = {"uni-client": "uni-secret", "social-client": "social-secret"}
        yield idp


@pytest.fixture
def pipeline_runs() -> Iterator[PipelineRuns]:
    """What each pipeline run of the test handed to ``verify_identity``."""
    _runs.kwargs.clear()
    yield _runs
    _runs.kwargs.clear()


@pytest.fixture(autouse=True)
def social_auth_settings(settings, fake_idp, pipeline_runs):
    """Two OIDC backends against the fake IdP; only ``uni-oidc`` is trusted; the step ends the pipeline."""
    settings.AUTHENTICATION_BACKENDS = [
        "tests.providers.sso.backends.UniversityOIDC",
        "tests.providers.sso.backends.SocialOIDC",
        "django.contrib.auth.backends.ModelBackend",
    ]
    settings.SOCIAL_AUTH_PIPELINE = [
        *DEFAULT_AUTH_PIPELINE,
        PIPELINE_PROBE,
        "idv_sso.pipeline.verify_identity",
    ]
    settings.SOCIAL_AUTH_UNI_OIDC_OIDC_ENDPOINT = fake_idp.url
    settings.SOCIAL_AUTH_UNI_OIDC_KEY = "uni-client"
    settings.SOCIAL_AUTH_UNI_OIDC_SECRET = "uni-secret"
    settings.SOCIAL_AUTH_SOCIAL_OIDC_OIDC_ENDPOINT = fake_idp.url
    settings.SOCIAL_AUTH_SOCIAL_OIDC_KEY = "social-client"
    settings.SOCIAL_AUTH_SOCIAL_OIDC_SECRET = "social-secret"
    settings.SOCIAL_AUTH_LOGIN_REDIRECT_URL = "/idv/status"
    settings.IDV_SSO_TRUSTED_BACKENDS = {TRUSTED: {"TITLE": "University of Testing"}}
    fake_idp.identity = {
        "sub": "ada-0001",
        "name": "Ada Lovelace",
        "given_name": "Ada",
        "family_name": "Lovelace",
        "email": "ada@uni.example",
        "preferred_username": "ada",
    }


@dataclass
class SignIn:
    """Signs a browser in through a backend, as a learner would: Django's client plus real HTTP to the IdP."""

    client: Client
    idp: FakeIdentityProvider

    def __call__(self, backend: str = TRUSTED, **begin_data: str):
        """Return the response of ``/complete/<backend>/`` (the pipeline has run by then)."""
        begin = self.client.post(f"/login/{backend}/", begin_data)
        assert begin.status_code == 302, begin
        authorize_url = begin["Location"]
        assert authorize_url.startswith(f"{self.idp.url}/authorize?")
        # The browser follows the redirect to the IdP, which answers with a redirect back to the LMS.
        at_idp = requests.get(authorize_url, allow_redirects=False, timeout=5)
        assert at_idp.status_code == 302, at_idp.text
        callback = urlsplit(at_idp.headers["Location"])
        assert callback.path == f"/complete/{backend}/"
        return self.client.get(callback.path, dict(parse_qsl(callback.query)))


@pytest.fixture
def sign_in(client, fake_idp) -> SignIn:
    """Sign in through ``uni-oidc`` (or the backend given) with the fake IdP's current identity."""
    return SignIn(client, fake_idp)
