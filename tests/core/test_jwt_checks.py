"""
idv_core.E011 / E012: the checks that refuse a JWT setup under which the REST API accepts forged tokens.
"""

from __future__ import annotations

import time

import jwt
import pytest
from django.conf import settings as django_settings
from edx_rest_framework_extensions.auth.jwt import decoder
from edx_rest_framework_extensions.auth.jwt.decoder import jwt_decode_handler
from rest_framework.test import APIClient

from idv_core.checks import EDX_JWT_DECODE_HANDLER, check_idv_configuration

SOUND = django_settings.JWT_AUTH  # tests/settings.py: an RS512 key set and a private symmetric key
DEMO_PUBLIC_KEY = "insecure-demo-only-key-never-use-in-production"


def _jwt_ids() -> list[str]:
    return [m.id for m in check_idv_configuration() if m.id in ("idv_core.E011", "idv_core.E012")]


def test_a_sound_setup_passes():
    assert _jwt_ids() == []


@pytest.mark.parametrize("empty", [None, "", "missing"])
def test_an_empty_public_key_set_is_refused(settings, empty):
    jwt_auth = dict(SOUND)
    if empty == "missing":
        del jwt_auth["JWT_PUBLIC_SIGNING_JWK_SET"]
    else:
        jwt_auth["JWT_PUBLIC_SIGNING_JWK_SET"] = empty
    settings.JWT_AUTH = jwt_auth
    assert _jwt_ids() == ["idv_core.E011"]
    [error] = [m for m in check_idv_configuration() if m.id == "idv_core.E011"]
    assert "even alg none" in error.msg


def test_the_decoder_object_itself_is_recognised(settings):
    settings.JWT_AUTH = {
        **SOUND,
        "JWT_DECODE_HANDLER": jwt_decode_handler,
        "JWT_PUBLIC_SIGNING_JWK_SET": None,
    }
    assert _jwt_ids() == ["idv_core.E011"]


@pytest.mark.parametrize(
    "key", ["SET-ME-PLEASE", "lms-secret", DEMO_PUBLIC_KEY, "django-insecure-7x%k0v9b#q!w2m4e8r6t1y3u5i"]
)
def test_a_published_hs256_issuer_key_is_refused(settings, key):
    settings.JWT_AUTH = {**SOUND, "JWT_ISSUERS": [{**SOUND["JWT_ISSUERS"][0], "SECRET_KEY": key}]}
    assert _jwt_ids() == ["idv_core.E012"]


def test_no_issuer_list_falls_back_to_jwt_secret_key_then_secret_key(settings):
    jwt_auth = {key: value for key, value in SOUND.items() if key != "JWT_ISSUERS"}
    settings.JWT_AUTH = {**jwt_auth, "JWT_SECRET_KEY": "lms-secret"}
    assert _jwt_ids() == ["idv_core.E012"]
    settings.JWT_AUTH = jwt_auth
    settings.SECRET_KEY = DEMO_PUBLIC_KEY
    assert _jwt_ids() == ["idv_core.E012"]


def test_an_empty_symmetric_key_means_asymmetric_only_and_passes(settings):
    settings.JWT_AUTH = {**SOUND, "JWT_ISSUERS": [{**SOUND["JWT_ISSUERS"][0], "SECRET_KEY": ""}]}
    assert _jwt_ids() == []


def test_drf_jwt_s_own_decoder_with_the_published_secret_key_is_refused(settings):
    settings.SECRET_KEY = DEMO_PUBLIC_KEY
    settings.JWT_AUTH = {}  # drf-jwt's defaults: HS256 with SECRET_KEY
    assert _jwt_ids() == ["idv_core.E012"]
    settings.JWT_AUTH = {"JWT_SECRET_KEY": ""}  # drf-jwt's decoder uses it whatever it is
    assert _jwt_ids() == ["idv_core.E012"]
    settings.JWT_AUTH = {"JWT_SECRET_KEY": "a-private-secret-" * 3}
    assert _jwt_ids() == []
    settings.JWT_AUTH = {"JWT_ALGORITHM": "RS256", "JWT_PUBLIC_KEY": "unused"}
    assert _jwt_ids() == []


def _claims(username: str) -> dict:
    now = int(time.time())
    issuer = SOUND["JWT_ISSUERS"][0]
    return {
        "iss": issuer["ISSUER"],
        "aud": issuer["AUDIENCE"],
        "exp": now + 600,
        "iat": now,
        "preferred_username": username,
        "administrator": True,
        "version": "1.2.0",
    }


@pytest.mark.django_db
def test_what_e011_guards_against_is_real_an_unsigned_token_passes_with_no_key_set(settings):
    """Why E011 is an error: with the key set empty, edx-drf-extensions takes an alg-none token."""
    unsigned = jwt.encode(_claims("mallory"), key=None, algorithm="none")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"JWT {unsigned}")
    assert client.get("/api/idv/v1/status").status_code == 401  # the sound setup refuses it

    assert SOUND["JWT_DECODE_HANDLER"] == EDX_JWT_DECODE_HANDLER
    settings.JWT_AUTH = {**SOUND, "JWT_PUBLIC_SIGNING_JWK_SET": None}
    response = client.get("/api/idv/v1/status")
    # The releases that try the public keys alone first (verify_jwk_signature_using_keyset, 10.x) accept it;
    # the 8.2.0 floor (pyjwkest) refuses it. E011 fires on both: an empty key set is never sound.
    asymmetric_first = hasattr(decoder, "verify_jwk_signature_using_keyset")
    assert response.status_code == (200 if asymmetric_first else 401)
    assert _jwt_ids() == ["idv_core.E011"]
