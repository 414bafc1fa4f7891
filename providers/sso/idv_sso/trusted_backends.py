"""
``IDV_SSO_TRUSTED_BACKENDS``: which sign-ins verify a learner, read and validated in one place.

A key is a python-social-auth backend name (``"oidc"``), which trusts every sign-in through that backend,
or ``"<backend>:<idp>"``, which trusts one identity provider of a backend that serves several, as
edx-platform's SAML backend does (``"tpa-saml:mit"``). A sign-in is matched against the IdP-specific key
first, then against the backend-wide one. The IdP of a sign-in is the ``idp_name`` python-social-auth's
SAML backend puts in its response; the IdP of an existing link (for the backfill) is the part of its uid
before the first ``:``, which is how that backend builds SAML uids (``"<idp>:<permanent id>"``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from idv_core import api

SETTING = "IDV_SSO_TRUSTED_BACKENDS"
NAME_FIELD = "NAME_FIELD"
DAYS_GOOD_FOR = "DAYS_GOOD_FOR"
TITLE = "TITLE"
OPTIONS = (NAME_FIELD, DAYS_GOOD_FOR, TITLE)
DEFAULT_NAME_FIELDS = ("fullname",)

#: A backend name or an IdP slug: what python-social-auth and edx-platform use (letters, digits, -_.).
_PART = re.compile(r"^[A-Za-z0-9_.-]+$")
# The columns of idv_sso's model that hold the two parts.
BACKEND_MAX_LENGTH = 64
IDP_MAX_LENGTH = 64


@dataclass(frozen=True, slots=True)
class TrustedBackend:
    """
    One entry of ``IDV_SSO_TRUSTED_BACKENDS``.

    ``idp`` is empty for a backend-wide key. ``days_good_for`` None means idv_core's ``IDV_DAYS_GOOD_FOR``.
    """

    key: str
    backend: str
    idp: str
    name_fields: tuple[str, ...]
    days_good_for: int | None
    title: str

    def name_from(self, details: Mapping[str, Any]) -> str:
        """
        Return the name the IdP asserts in ``details`` (python-social-auth's user details), or "".

        The fields of ``NAME_FIELD`` are joined by a space; blank or missing ones are skipped (a learner
        may have a single name), and a value that is not text counts as missing.
        """
        parts = [details.get(field) for field in self.name_fields]
        return " ".join(part.strip() for part in parts if isinstance(part, str) and part.strip())


@dataclass(frozen=True, slots=True)
class ConfigProblem:
    """One thing wrong with ``IDV_SSO_TRUSTED_BACKENDS``: a system-check id (``sso.E00n``) and a message."""

    id: str
    msg: str


class TrustedBackendsConfigError(ValueError):
    """``IDV_SSO_TRUSTED_BACKENDS`` is malformed; ``problems`` says how (``manage.py check`` too)."""

    def __init__(self, problems: list[ConfigProblem]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{problem.id}: {problem.msg}" for problem in problems))


def _key_problem(key: object) -> str:
    if not isinstance(key, str):
        return f"the key {key!r} is not a string"
    parts = key.split(":")
    if len(parts) > 2 or not all(_PART.match(part) for part in parts):
        return (
            f"the key {key!r} is neither a backend name nor '<backend>:<idp>' (letters, digits, '-', '_' "
            "and '.' on each side of at most one ':')"
        )
    if len(parts[0]) > BACKEND_MAX_LENGTH or (len(parts) == 2 and len(parts[1]) > IDP_MAX_LENGTH):
        return f"the key {key!r} is too long (backend and IdP at most {BACKEND_MAX_LENGTH} characters each)"
    return ""


def _name_fields_problem(value: object) -> str:
    fields = [value] if isinstance(value, str) else value
    if (
        not isinstance(fields, list | tuple)
        or not fields
        or not all(isinstance(field, str) and field.strip() for field in fields)
    ):
        return (
            f"{NAME_FIELD} must be a detail name such as 'fullname', or a non-empty list of them such as "
            f"['first_name', 'last_name'], not {value!r}"
        )
    return ""


def find_problems(raw: object) -> list[ConfigProblem]:
    """Return everything wrong with the value ``raw`` of ``IDV_SSO_TRUSTED_BACKENDS`` (empty: it is valid)."""
    if not isinstance(raw, Mapping):
        return [
            ConfigProblem(
                "sso.E001",
                f"{SETTING} must be a dict mapping a backend name or '<backend>:<idp>' to a dict of options, "
                f"not {type(raw).__name__}.",
            )
        ]
    problems = []
    for key, options in raw.items():
        key_problem = _key_problem(key)
        if key_problem:
            problems.append(ConfigProblem("sso.E002", f"{SETTING}: {key_problem}."))
            continue
        if not isinstance(options, Mapping):
            problems.append(
                ConfigProblem(
                    "sso.E003",
                    f"{SETTING}[{key!r}] must be a dict of options ({', '.join(OPTIONS)}; {{}} for the "
                    f"defaults), not {type(options).__name__}.",
                )
            )
            continue
        unknown = sorted(str(option) for option in options if option not in OPTIONS)
        if unknown:
            problems.append(
                ConfigProblem(
                    "sso.E003",
                    f"{SETTING}[{key!r}] has unknown option(s) {', '.join(unknown)}; the options are "
                    f"{', '.join(OPTIONS)}.",
                )
            )
        if NAME_FIELD in options and (problem := _name_fields_problem(options[NAME_FIELD])):
            problems.append(ConfigProblem("sso.E004", f"{SETTING}[{key!r}]: {problem}."))
        days = options.get(DAYS_GOOD_FOR)
        if DAYS_GOOD_FOR in options and (isinstance(days, bool) or not isinstance(days, int) or days < 1):
            problems.append(
                ConfigProblem(
                    "sso.E005",
                    f"{SETTING}[{key!r}]: {DAYS_GOOD_FOR} must be a whole number of days, at least 1, "
                    f"not {days!r}.",
                )
            )
        elif DAYS_GOOD_FOR in options and api.expiration_after_days(timezone.now(), days) is None:
            problems.append(
                ConfigProblem(
                    "sso.E005",
                    f"{SETTING}[{key!r}]: {DAYS_GOOD_FOR} = {days} days from now is past "
                    f"{api.EXPIRATION_LIMIT:%Y-%m-%d}, the last date idv_core stores: every sign-in would "
                    "fail.",
                )
            )
        title = options.get(TITLE)
        if TITLE in options and (not isinstance(title, str) or not title.strip()):
            problems.append(
                ConfigProblem(
                    "sso.E006",
                    f"{SETTING}[{key!r}]: {TITLE} must be a non-blank string, not {title!r}.",
                )
            )
    return problems


def load_trusted_backends(raw: object | None = None) -> dict[str, TrustedBackend]:
    """
    Return the trusted backends by key, from ``raw`` or else the ``IDV_SSO_TRUSTED_BACKENDS`` setting.

    Cheap and free of I/O: callers read it whenever they need it, so a changed setting takes effect.

    Raises:
        TrustedBackendsConfigError: the value is malformed (``manage.py check`` reports the same problems).
    """
    if raw is None:
        from idv_sso.provider import SSOProvider  # the provider's class imports this module

        raw = SSOProvider.setting(SETTING)
    problems = find_problems(raw)
    if problems:
        raise TrustedBackendsConfigError(problems)
    trusted = {}
    for key, options in raw.items():  # type: ignore[union-attr]  # find_problems checked it is a Mapping
        backend, _, idp = key.partition(":")
        name_fields = options.get(NAME_FIELD, DEFAULT_NAME_FIELDS)
        trusted[key] = TrustedBackend(
            key=key,
            backend=backend,
            idp=idp,
            name_fields=(name_fields,) if isinstance(name_fields, str) else tuple(name_fields),
            days_good_for=options.get(DAYS_GOOD_FOR),
            title=options.get(TITLE, key),
        )
    return trusted


def find_trusted_backend(
    trusted: Mapping[str, TrustedBackend], backend: str, idp: str = ""
) -> TrustedBackend | None:
    """Return the entry that trusts a sign-in through ``backend`` (and IdP ``idp``): IdP-specific first."""
    if idp and (entry := trusted.get(f"{backend}:{idp}")) is not None:
        return entry
    return trusted.get(backend)


def idp_of_response(response: object) -> str:
    """Return the IdP a python-social-auth response names (its SAML backend's ``idp_name``), or ""."""
    idp = response.get("idp_name") if isinstance(response, Mapping) else None
    return idp if isinstance(idp, str) else ""


def idp_of_uid(uid: str) -> str:
    """Return the IdP part of a social-auth uid (``"<idp>:<permanent id>"`` for SAML), or ""."""
    idp, separator, _rest = uid.partition(":")
    return idp if separator else ""
