"""
A local stand-in for Persona (withpersona.com), for development and tests: never install it in production.

It serves the parts of Persona that the ``idv_persona`` provider uses (the inquiries REST API, the hosted
flow) and sends signed webhooks to a local URL, with retries, duplicates, out-of-order deliveries and API
faults on request (``idv_persona_simulator.control``). It is written from Persona's documentation, apart
from the provider: it imports nothing of ``idv_persona``'s own modules, so a bug the two shared could not
hide. A host installs it by hand: ``"idv_persona_simulator"`` in ``INSTALLED_APPS`` and
``path("persona-simulator/", include("idv_persona_simulator.urls"))`` in its URLs (the demo and the tests do).

Its own distribution, ``openedx-idv-persona-simulator``, so that the ``openedx-idv-persona`` wheel a site
installs carries none of it. It may import neither ``idv_core`` nor ``idv_persona`` (``.importlinter``).
"""

__version__ = "0.1.0"
