"""Packaging for openedx-idv-persona: metadata lives in setup.cfg."""

from setuptools import setup

setup()
