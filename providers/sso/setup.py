"""Packaging for openedx-idv-sso: metadata lives in setup.cfg."""

from setuptools import setup

setup()
