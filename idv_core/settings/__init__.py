"""Plugin settings of idv_core, applied to the host by edx-django-utils' ``add_plugins``."""
