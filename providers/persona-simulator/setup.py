"""Packaging for openedx-idv-persona-simulator: metadata lives in setup.cfg."""

from setuptools import setup

setup()
