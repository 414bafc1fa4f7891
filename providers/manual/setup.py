"""Packaging for openedx-idv-manual: metadata lives in setup.cfg."""

from setuptools import setup

setup()
