"""The Persona provider keeps the contract every provider keeps (idv_core.testing)."""

import json
from typing import Any

import pytest
import responses

from idv_core.providers import IDVProvider
from idv_core.testing import ProviderContractTests

from .conftest import API_ROOT, inquiry_object, new_id


class TestPersonaKeepsTheContract(ProviderContractTests):
    provider_id = "persona"

    @pytest.fixture
    def provider(self, idv_enable_provider: Any, persona_api: responses.RequestsMock) -> IDVProvider:
        # Its start page creates an inquiry through Persona's API: stood in by responses, a new one each time.
        persona_api.add_callback(
            responses.POST,
            f"{API_ROOT}/inquiries",
            callback=lambda _request: (201, {}, json.dumps({"data": inquiry_object(new_id("inq"))})),
            content_type="application/json",
        )
        return idv_enable_provider(self.provider_id)
