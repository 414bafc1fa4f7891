"""The benchmark's model of the platform's verification tables."""

from django.apps import AppConfig


class BaselineConfig(AppConfig):
    """bench.baseline: the four tables of edx-platform's way (benchmark only)."""

    name = "bench.baseline"
    label = "baseline"
    default_auto_field = "django.db.models.AutoField"
