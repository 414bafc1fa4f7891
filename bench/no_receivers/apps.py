"""The app that silences the IDV signals' receivers (benchmark only)."""

from django.apps import AppConfig


class NoReceiversConfig(AppConfig):
    """bench.no_receivers: installed last, its ready() runs after every other app connected its receivers."""

    name = "bench.no_receivers"
    label = "bench_no_receivers"

    def ready(self) -> None:
        """Disconnect every receiver of IDV_ATTEMPT_CREATED, _PENDING, _APPROVED and _DENIED."""
        from openedx_events.learning.signals import (
            IDV_ATTEMPT_APPROVED,
            IDV_ATTEMPT_CREATED,
            IDV_ATTEMPT_DENIED,
            IDV_ATTEMPT_PENDING,
        )

        for signal in (IDV_ATTEMPT_CREATED, IDV_ATTEMPT_PENDING, IDV_ATTEMPT_APPROVED, IDV_ATTEMPT_DENIED):
            with signal.lock:
                signal.receivers = []
                signal.sender_receivers_cache.clear()
