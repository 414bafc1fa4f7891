"""
Settings of the default test suite: SQLite in memory, idv_core and the providers' apps installed.

The plugin settings are applied the way the LMS applies them (``plugin_settings``), after the host's.
"""

import importlib
import importlib.util
import json
import sys

from cryptography.hazmat.primitives.asymmetric import rsa
from django.core.exceptions import ImproperlyConfigured
from jwt.algorithms import RSAAlgorithm

if any(
    importlib.util.find_spec(package) is None
    for package in ("idv_testprovider", "idv_brokenproviders", "idv_manual")
):
    raise ImproperlyConfigured(
        "The test providers or the provider distributions are not installed: run `make test`, which "
        "pip-installs providers/* (editable), tests/test_provider and tests/broken_providers (into "
        "build/test-plugins)."
    )

SECRET_KEY = "insecure-test-only-key"
DEBUG = False
USE_TZ = True
TIME_ZONE = "UTC"
ROOT_URLCONF = "tests.urls"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "simple_history",
    "rest_framework",
    "openedx_events",
    "idv_core",
    # The test providers (tests/test_provider) have no Django app: the core mounts their URLs.
    # The provider distributions under providers/ (make test pip-installs them, editable).
    "social_django",
    "idv_manual",
    "idv_sso",
    "idv_persona",
    # The local Persona simulator (development and tests only; never in production).
    "idv_persona_simulator",
]

MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]

LOGIN_URL = "/login/"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast users in tests

# As the LMS configures edx-drf-extensions: asymmetric (RS512) JWTs, a key pair made per test run.
# JWT_PUBLIC_SIGNING_JWK_SET must be set: edx-drf-extensions 10.9 accepts a token signed with any key when
# that set is empty (its key loop never runs), so a host without it has no JWT signature check at all.
_JWT_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
_JWT_PRIVATE = {**json.loads(RSAAlgorithm.to_jwk(_JWT_KEY)), "kid": "test-key", "alg": "RS512"}
_JWT_PUBLIC = {**json.loads(RSAAlgorithm.to_jwk(_JWT_KEY.public_key())), "kid": "test-key", "alg": "RS512"}
JWT_AUTH = {
    "JWT_DECODE_HANDLER": "edx_rest_framework_extensions.auth.jwt.decoder.jwt_decode_handler",
    "JWT_ISSUERS": [
        {"ISSUER": "test-issuer", "AUDIENCE": "test-audience", "SECRET_KEY": "unused-symmetric-" * 2}
    ],
    "JWT_ALGORITHM": "HS256",
    "JWT_SIGNING_ALGORITHM": "RS512",
    "JWT_PRIVATE_SIGNING_JWK": json.dumps(_JWT_PRIVATE),
    "JWT_PUBLIC_SIGNING_JWK_SET": json.dumps({"keys": [_JWT_PUBLIC]}),
    "JWT_VERIFY_EXPIRATION": True,
    "JWT_AUTH_HEADER_PREFIX": "JWT",
}

# The test provider is the default; "broken" and "notaprovider" (tests/broken_providers) fail to load
# on purpose.
IDV_ENABLED_PROVIDERS = None
IDV_DEFAULT_PROVIDER = "testprovider"

# The local Persona simulator, served by the test host itself under /persona-simulator/; the provider-against-
# simulator tests point IDV_PERSONA's API_ROOT and HOSTED_FLOW_URL at a live server's copy of it.
IDV_PERSONA_SIMULATOR = {
    "API_KEY": "sim_test_api_key",
    "WEBHOOK_URL": "",  # events are recorded, not sent, unless a test points this at a live server
    "WEBHOOK_SECRET": "wbhsec_simulator_test_secret",
    "WEBHOOK_TIMEOUT_SECONDS": 5,
    "WEBHOOK_MAX_ATTEMPTS": 4,
    "WEBHOOK_RETRY_BACKOFF_SECONDS": 0.05,
}

# The Persona provider. API_ROOT is a closed port on 127.0.0.1: a test that forgets to stand in for
# Persona's API (``responses``, or the simulator) fails fast instead of reaching the internet.
IDV_PERSONA = {
    "API_KEY": "persona_sandbox_test_key",
    "INQUIRY_TEMPLATE_ID": "itmpl_test_template",
    "API_ROOT": "http://127.0.0.1:9/api/v1",
    "HOSTED_FLOW_URL": "http://127.0.0.1:9/verify",
    "WEBHOOK_SECRETS": ["wbhsec_test_secret"],
    "TIMEOUT_SECONDS": 2,
}

# Each plugin app's settings, applied as the LMS applies them: after the host's own.
for _app in ("idv_core", "idv_manual", "idv_sso", "idv_persona"):
    if importlib.util.find_spec(f"{_app}.settings") is not None:
        importlib.import_module(f"{_app}.settings.common").plugin_settings(sys.modules[__name__])
