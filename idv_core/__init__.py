"""
openedx-idv core: one generic identity-verification attempt model and the API providers write through.

Providers write (``idv_core.api.create_verification_attempt`` / ``update_verification_attempt``);
the platform reads (``is_user_verified`` and friends). See docs/decisions/0001.
"""

__version__ = "0.1.0"
