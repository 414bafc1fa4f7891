"""
A small but real provider, pip-installed in the test environment only.

It verifies a learner who types the confirmation phrase: the start page creates a ``created`` attempt
through ``idv_core.api`` and the form moves it to ``pending`` or ``approved``. It uses only the public
core modules, like any provider.
"""
