"""Tests of the LMS stand-in (tests/lms_platform), collected only in LMS mode (--ds=tests.settings_lms)."""
