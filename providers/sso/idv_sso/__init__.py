"""
openedx-idv-sso: SSO verification: learners who sign in through an identity provider the operator trusts
are verified by that login.
"""

__version__ = "0.1.0"
