"""Registered as the provider ``broken``: importing it fails, as a broken provider package would."""

raise ImportError("idv_brokenproviders.broken needs a module that is not installed (on purpose)")
