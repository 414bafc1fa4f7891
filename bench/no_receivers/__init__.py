"""
Benchmark only: a Django app, installed last, that disconnects every receiver of the IDV openedx-events
signals once the other apps connected theirs, so that a benchmark can show what openedx-idv's own code
costs apart from what the host's receivers (edx-name-affirmation, the manual provider's review queue) add.
The events are still sent; nobody listens.
"""
