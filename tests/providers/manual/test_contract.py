"""The manual provider keeps the contract every provider keeps (idv_core.testing)."""

from idv_core.testing import ProviderContractTests


class TestManualKeepsTheContract(ProviderContractTests):
    provider_id = "manual"
    start_form_data = {"name": "Ada Lovelace"}
