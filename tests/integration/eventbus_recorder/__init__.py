"""
A downstream service for the event-bus integration tests: records every IDV event its consumer receives.

Installed only in ``tests.integration.eventbus_consumer_settings``; each received signal becomes one JSON
line in the file named by ``IDV_IT_RECORD_FILE`` (event id, type, attempt, status, the payload's names).
"""
