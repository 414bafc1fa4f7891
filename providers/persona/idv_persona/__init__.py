"""
openedx-idv-persona: Persona (withpersona.com) hosted-flow verification with signed webhooks. Its local
simulator of Persona, for development and tests, is a distribution of its own (openedx-idv-persona-simulator).
"""

__version__ = "0.1.0"
