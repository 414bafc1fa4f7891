"""
openedx-idv core: one generic identity-verification attempt model and the API providers write through.

Providers write (``idv_core.api.create_verification_attempt`` / ``update_verification_attempt``);
anyone reads (``is_user_verified`` and friends). Inside the LMS each attempt is mirrored into the
platform's own table, which the LMS reads. See docs/decisions/0001 and 0005.
"""

__version__ = "0.1.0"
