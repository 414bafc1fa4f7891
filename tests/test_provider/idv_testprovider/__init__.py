"""
Two small but real providers, written with the provider SDK alone and pip-installed in the test environment
only (``make test-plugins``): ``testprovider`` (the test host's default) and ``contractonly``.

Neither has a Django app, a URLconf or a settings module: the core mounts their ``urlpatterns`` under
``/idv/<id>/`` and reads their ``settings_defaults``. They use only the public core modules, like any
provider. The entry points that fail to load on purpose are in their own distribution
(``tests/broken_providers``).
"""
