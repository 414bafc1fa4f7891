"""
Settings of the demo host: a small LMS stand-in that installs its plugin apps the way the LMS does.

Plugin apps come from the ``lms.djangoapp`` entry point (edx-django-utils): idv_core from this checkout,
edx-name-affirmation from PyPI and anything else installed in the environment. Their plugin settings are
applied at the end (``add_plugins``), after the host's own.

Environment: ``DATABASE_URL`` (default: SQLite in demo/db.sqlite3; e.g. ``mysql://root@127.0.0.1:3306/test``),
``DEMO_DEBUG=0`` turns DEBUG off, ``DEMO_SECRET_KEY`` replaces the demo's public secret key,
``DEMO_BASE_URL`` (default ``http://127.0.0.1:8000``) is where the demo is served: the Persona provider
calls the Persona simulator there, the simulator sends its webhooks there, and the SSO backend signs in
through the demo's own OpenID Connect identity provider there (demo_idp, under /demo-idp/).
"""

import json
import os
from pathlib import Path

import dj_database_url
from cryptography.hazmat.primitives.asymmetric import rsa
from edx_django_utils.plugins import add_plugins, get_plugin_apps
from jwt.algorithms import RSAAlgorithm

DEMO_DIR = Path(__file__).resolve().parent.parent

SECRET_KEY = os.environ.get("DEMO_SECRET_KEY", "insecure-demo-only-key-never-use-in-production")
DEBUG = os.environ.get("DEMO_DEBUG", "1") != "0"
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]

USE_TZ = True
TIME_ZONE = "UTC"
LANGUAGE_CODE = "en-us"
# As the LMS: edx-name-affirmation's migrations use AutoField and its app config sets no default.
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"

ROOT_URLCONF = "demo_site.urls"
WSGI_APPLICATION = "demo_site.wsgi.application"

DATABASES = {"default": dj_database_url.config(default=f"sqlite:///{DEMO_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # runserver is threaded, and the Persona simulator's webhooks reach this same server while other
    # requests write: a transaction that reads then writes (SQLite's default, DEFERRED) fails at once with
    # "database is locked" when another thread writes. IMMEDIATE takes the write lock at BEGIN, so
    # concurrent writers queue for up to ``timeout`` seconds instead.
    DATABASES["default"].setdefault("OPTIONS", {}).update(transaction_mode="IMMEDIATE", timeout=20)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "simple_history",
    "rest_framework",
    "openedx_events",
    # edx-name-affirmation's VerifiedNameConfig is a django-config-models ConfigurationModel.
    "config_models",
    # python-social-auth, which the LMS installs for third_party_auth (idv_sso's backfill reads its links).
    "social_django",
    "demo_site",
    # The local Persona simulator (API, hosted flow, webhooks) at /persona-simulator/: development only.
    "idv_persona_simulator",
    # The local OpenID Connect identity provider ("Demo University") at /demo-idp/: development only.
    "demo_idp",
    # The plugin apps, as in the LMS: idv_core, edx_name_affirmation, edx_toggles, and any provider installed.
    *get_plugin_apps("lms.djangoapp"),
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Records who made a change in the admin in the audit trails (django-simple-history).
    "simple_history.middleware.HistoryRequestMiddleware",
    # A cancelled or refused institution sign-in goes back to /idv/sso (SOCIAL_AUTH_LOGIN_ERROR_URL).
    "demo_site.sso.SignInErrorMiddleware",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # Listed first so the demo's idv_core/base.html wins over idv_core's, whatever the app order.
        "DIRS": [DEMO_DIR / "demo_site" / "templates"],
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

STATIC_URL = "static/"

AUTHENTICATION_BACKENDS = [
    # "Your institution's sign-in": python-social-auth's OpenID Connect against the demo's own IdP.
    "demo_site.sso.DemoUniversityOIDC",
    "django.contrib.auth.backends.ModelBackend",
]

LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/"

# The same shape as the LMS's, so that edx-drf-extensions' JwtAuthentication (idv_core's REST API) works.
# Nothing in the demo issues or needs a JWT (its pages and its tests use the session), so: a fresh RSA key
# pair per process (tokens it would issue die with the server), never an empty public key set
# (edx-drf-extensions 10.x then accepts any token, even unsigned: idv_core.E011), and no symmetric key
# (an empty issuer SECRET_KEY: only RS* tokens are verified), never the public SECRET_KEY above (HS256
# tokens anyone could sign, administrator claim included: idv_core.E012).
_JWT_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
_JWT_PUBLIC = {**json.loads(RSAAlgorithm.to_jwk(_JWT_KEY.public_key())), "kid": "demo", "alg": "RS512"}
JWT_AUTH = {
    "JWT_DECODE_HANDLER": "edx_rest_framework_extensions.auth.jwt.decoder.jwt_decode_handler",
    "JWT_ISSUERS": [{"ISSUER": "demo-issuer", "AUDIENCE": "demo-audience", "SECRET_KEY": ""}],
    "JWT_SIGNING_ALGORITHM": "RS512",
    "JWT_PRIVATE_SIGNING_JWK": json.dumps(
        {**json.loads(RSAAlgorithm.to_jwk(_JWT_KEY)), "kid": "demo", "alg": "RS512"}
    ),
    "JWT_PUBLIC_SIGNING_JWK_SET": json.dumps({"keys": [_JWT_PUBLIC]}),
    "JWT_VERIFY_EXPIRATION": True,
    "JWT_AUTH_HEADER_PREFIX": "JWT",
}

# By default no broker and no worker: Celery tasks (edx-name-affirmation's) run at once, in the process
# sending the event, and their errors propagate to the sender (openedx-events and idv_core log them).
# DEMO_CELERY_BROKER_URL (e.g. redis://127.0.0.1:6379/0) switches to a real broker and a separate
# `celery -A demo_site worker`, as in the LMS; the integration suite runs it that way.
CELERY_BROKER_URL = os.environ.get("DEMO_CELERY_BROKER_URL", "memory://localhost/")
CELERY_TASK_ALWAYS_EAGER = "DEMO_CELERY_BROKER_URL" not in os.environ
CELERY_TASK_EAGER_PROPAGATES = True

# No telemetry backend in the demo (edx-django-utils defaults to New Relic, which is not installed).
OPENEDX_TELEMETRY: list[str] = []

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        # edx-name-affirmation logs an ERROR each time an IDV event has no VerifiedName to update. In the
        # LMS the photo-verification flow creates it first; here the events alone create it, as designed.
        "expected_name_affirmation_error": {
            "()": "django.utils.log.CallbackFilter",
            "callback": lambda record: not record.getMessage().startswith("Created VerifiedName for user="),
        },
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["expected_name_affirmation_error"]},
    },
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        # Django's default LOGGING gives the "django" logger a console handler of its own and lets it
        # propagate to the root's: every request warning was printed twice. One handler, here.
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "idv_core": {"level": "INFO"},
        "demo_site": {"level": "INFO"},
        # Its IDV event handler logs the verified name at INFO: keep that PII out of the demo's output.
        "edx_name_affirmation": {"level": "WARNING"},
    },
}

# Identity verification: "Verify my identity" goes to Persona, played by the local Persona simulator that
# this same server serves under /persona-simulator/ (its REST API, its hosted flow, its signed webhooks to
# /idv/persona/webhook). The keys and secrets are public demo values, known to both sides.
DEMO_BASE_URL = os.environ.get("DEMO_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
_DEMO_PERSONA_API_KEY = "persona_sandbox_demo_simulator_key"
_DEMO_PERSONA_WEBHOOK_SECRET = "wbhsec_demo_simulator_secret"
IDV_DEFAULT_PROVIDER = "persona"
IDV_PERSONA = {
    "API_KEY": _DEMO_PERSONA_API_KEY,
    "INQUIRY_TEMPLATE_ID": "itmpl_DemoSimulator",
    "API_ROOT": f"{DEMO_BASE_URL}/persona-simulator/api/v1",
    "HOSTED_FLOW_URL": f"{DEMO_BASE_URL}/persona-simulator/verify",
    "WEBHOOK_SECRETS": [_DEMO_PERSONA_WEBHOOK_SECRET],
}
IDV_PERSONA_SIMULATOR = {
    "API_KEY": _DEMO_PERSONA_API_KEY,
    "WEBHOOK_URL": f"{DEMO_BASE_URL}/idv/persona/webhook",
    "WEBHOOK_SECRET": _DEMO_PERSONA_WEBHOOK_SECRET,
}

# "Your institution's sign-in": the sso provider trusts sign-ins through the demo-university backend,
# which is python-social-auth's OpenID Connect against the demo's own identity provider (demo_idp, served
# by this same server under /demo-idp/; the client id and secret are public demo values). A learner who
# signs in there is verified with the name the IdP has on record (the demo user's full name).
_DEMO_IDP_CLIENT_ID = "demo-lms"
_DEMO_IDP_CLIENT_SECRET = "demo-idp-client-secret"
DEMO_IDP = {
    "ISSUER": f"{DEMO_BASE_URL}/demo-idp",
    "CLIENTS": {
        _DEMO_IDP_CLIENT_ID: {
            "SECRET": _DEMO_IDP_CLIENT_SECRET,
            "REDIRECT_URIS": [f"{DEMO_BASE_URL}/complete/demo-university/"],
        }
    },
}
SOCIAL_AUTH_DEMO_UNIVERSITY_OIDC_ENDPOINT = DEMO_IDP["ISSUER"]
SOCIAL_AUTH_DEMO_UNIVERSITY_KEY = _DEMO_IDP_CLIENT_ID
SOCIAL_AUTH_DEMO_UNIVERSITY_SECRET = _DEMO_IDP_CLIENT_SECRET
# The learner is already logged in to the demo: the sign-in links their IdP account, it changes no field.
SOCIAL_AUTH_PROTECTED_USER_FIELDS = ["username", "email", "first_name", "last_name"]
SOCIAL_AUTH_LOGIN_REDIRECT_URL = "/idv/status"
SOCIAL_AUTH_LOGIN_ERROR_URL = "/idv/sso"
SOCIAL_AUTH_URL_NAMESPACE = "social"
IDV_SSO_TRUSTED_BACKENDS = {"demo-university": {"TITLE": "Demo University"}}

add_plugins(__name__, "lms.djangoapp", "common")
