"""
openedx-idv-persona: Persona (withpersona.com) hosted-flow verification with signed webhooks, and a local
Persona simulator for development and tests.
"""

__version__ = "0.1.0"
