"""
demo_idp: a small OpenID Connect identity provider for development, served by the demo host itself.

It plays "your institution's sign-in" in ``make demo``, the way the Persona simulator plays Persona: the
demo's social-auth OIDC backend (``demo_site.sso.DemoUniversityOIDC``) signs learners in through it, and
``IDV_SSO_TRUSTED_BACKENDS`` trusts that backend, so the sign-in verifies them. Development only: it lives
under demo/, which no distribution packages, and it must never be installed in production.
"""
