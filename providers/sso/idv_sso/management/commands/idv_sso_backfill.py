"""
``manage.py idv_sso_backfill``: verify the learners who linked their account to a trusted sign-in before
the operator trusted it (or before idv_sso was installed), as a sign-in would have.

For each python-social-auth link (``UserSocialAuth``) to a backend (and IdP) of
``IDV_SSO_TRUSTED_BACKENDS`` that has no SSO verification yet, it records an approved attempt
(provider ``sso``). The name comes from the link's ``extra_data`` when the backend kept the ``NAME_FIELD``
details there, else from the LMS profile name (``user.profile.name``), else from the user's first and last
name. Links that already have an SSO verification, whatever its state, are left alone: the next sign-in
renews an expired one. So a second run writes nothing.
"""

from __future__ import annotations

import sys
from collections import Counter
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ObjectDoesNotExist
from django.core.management.base import BaseCommand, CommandError, CommandParser
from social_django.models import UserSocialAuth
from tqdm import tqdm

from idv_core.exceptions import VerificationAttemptInvalidName
from idv_core.providers import is_provider_enabled
from idv_sso import verifications
from idv_sso.models import SSOVerification
from idv_sso.trusted_backends import (
    TrustedBackend,
    TrustedBackendsConfigError,
    find_trusted_backend,
    idp_of_uid,
    load_trusted_backends,
)


def name_of_link(link: UserSocialAuth, trusted: TrustedBackend) -> str:
    """The name to verify for an old link: its extra_data, else the LMS profile name, else the user's name."""
    extra_data = link.extra_data if isinstance(link.extra_data, dict) else {}
    name = trusted.name_from(extra_data)
    if name:
        return name
    user: AbstractBaseUser = link.user
    try:
        profile_name = getattr(getattr(user, "profile", None), "name", "")
    except ObjectDoesNotExist:  # an LMS user without a UserProfile row
        profile_name = ""
    if isinstance(profile_name, str) and profile_name.strip():
        return profile_name.strip()
    return user.get_full_name().strip()


class Command(BaseCommand):
    """Backfill SSO verifications for existing social-auth links to trusted backends."""

    help = __doc__

    def add_arguments(self, parser: CommandParser) -> None:
        """--backend (repeatable), --dry-run."""
        parser.add_argument(
            "--backend",
            action="append",
            dest="keys",
            metavar="KEY",
            help="Only this key of IDV_SSO_TRUSTED_BACKENDS ('oidc', 'tpa-saml:mit'); repeat for several. "
            "Default: every key.",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Count what would be verified; write nothing."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        """Walk the links, verify those without an SSO verification, print a summary."""
        if not is_provider_enabled(verifications.sso_provider().id):
            raise CommandError(
                "The sso provider is disabled (IDV_ENABLED_PROVIDERS): a disabled provider verifies nobody. "
                "Enable it first."
            )
        try:
            trusted = load_trusted_backends()
        except TrustedBackendsConfigError as error:
            raise CommandError(f"IDV_SSO_TRUSTED_BACKENDS is malformed: {error}") from error
        keys = options["keys"] or list(trusted)
        unknown = sorted(set(keys) - set(trusted))
        if unknown:
            raise CommandError(
                f"Not keys of IDV_SSO_TRUSTED_BACKENDS: {', '.join(unknown)}. "
                f"Its keys: {', '.join(trusted) or 'none'}."
            )
        dry_run = options["dry_run"]
        selected = {key: trusted[key] for key in keys}
        links = (
            UserSocialAuth.objects.filter(provider__in={entry.backend for entry in selected.values()})
            .select_related("user")
            .order_by("pk")
        )
        # One query for what is already verified, rather than one per link.
        verified = set(
            SSOVerification.objects.filter(backend__in={entry.backend for entry in selected.values()})
            .values_list("user_id", "backend", "idp", "uid")
            .distinct()
        )
        counts: Counter[str] = Counter()
        progress = tqdm(
            links.iterator(chunk_size=500),
            total=links.count(),
            desc="SSO backfill",
            unit="link",
            file=options.get("stderr") or sys.stderr,
        )
        for link in progress:
            entry = find_trusted_backend(trusted, link.provider, idp_of_uid(link.uid))
            if entry is None or entry.key not in selected:
                counts["not trusted"] += 1
                continue
            if (link.user_id, entry.backend, entry.idp, link.uid) in verified:
                counts["already verified"] += 1
                continue
            name = name_of_link(link, entry)
            if not name:
                counts["without a name"] += 1
                continue
            try:
                result = verifications.verify(
                    link.user,
                    entry,
                    link.uid,
                    name,
                    source=SSOVerification.SOURCE_BACKFILL,
                    dry_run=dry_run,
                )
            except VerificationAttemptInvalidName:
                counts["name refused"] += 1
                continue
            verified.add((link.user_id, entry.backend, entry.idp, link.uid))
            counts["verified" if result.outcome.writes else "already verified"] += 1
        progress.close()
        prefix = "Dry run, nothing written. " if dry_run else ""
        verb = "would be verified" if dry_run else "verified"
        self.stdout.write(
            f"{prefix}Links examined: {sum(counts.values())}; {verb}: {counts['verified']}; "
            f"already verified by SSO: {counts['already verified']}; without a name: "
            f"{counts['without a name']}; name refused: {counts['name refused']}; "
            f"not trusted (other IdP or key not selected): {counts['not trusted']}."
        )
