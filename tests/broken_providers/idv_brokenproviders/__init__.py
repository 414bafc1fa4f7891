"""
Provider entry points that fail to load on purpose, pip-installed in the test environment only
(``make test-plugins``): the core must report each one (``manage.py check``, ``manage.py idv_providers``) and
keep serving the providers of the other distributions.
"""
