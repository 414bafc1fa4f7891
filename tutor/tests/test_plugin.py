"""
The ``idv`` Tutor plugin, through Tutor's own API and CLI: every patch renders with strict undefined
variables, ``tutor config save`` with the plugin enabled writes LMS settings that parse and merge, compose and
Kubernetes files that parse and run the relay, a Dockerfile that installs the pinned packages, and the init
task runs after Tutor's migrations.
"""

from __future__ import annotations

import ast
import re
import sys
import types
from collections.abc import Callable, Iterator
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2
import pytest
import yaml
from conftest import REPO_ROOT, make_root

PATCHES = {path.name: path.read_text() for path in resources.files("tutoridv").joinpath("patches").iterdir()}
FILTER_TYPE = "org.openedx.learning.idv.page.url.requested.v1"
OUR_STEP = "idv_core.pipeline.DefaultProviderVerifyURL"
APPROVED = "org.openedx.learning.idv_attempt.approved.v1"
CREATED = "org.openedx.learning.idv_attempt.created.v1"


@pytest.fixture(scope="module")
def plugin(tutor_api: Any) -> types.ModuleType:
    """tutoridv.plugin, imported by Tutor when it loaded the plugin (inside the plugin's hook context)."""
    return sys.modules["tutoridv.plugin"]


# Configurations every patch must render with.
VARIANTS: dict[str, dict[str, Any]] = {
    "defaults": {},
    "every provider, Persona's keys": {
        "IDV_PROVIDERS": ["persona", "manual", "sso", "acme"],
        "IDV_DEFAULT_PROVIDER": "persona",
        "IDV_PERSONA_API_KEY": "persona_sandbox_key",
        "IDV_PERSONA_INQUIRY_TEMPLATE_ID": "itmpl_1",
        "IDV_PERSONA_WEBHOOK_SECRETS": ["wbhsec_new", "wbhsec_old"],
        "IDV_EXTRA_PIP_REQUIREMENTS": ["openedx-idv-acme==1.2.3"],
    },
    "no event bus, no mirror": {"IDV_EVENT_BUS_PRODUCER_CONFIG": {}, "IDV_PLATFORM_MIRROR": False},
}


def test_the_installed_plugin_ships_the_patches_of_the_source_tree() -> None:
    source = Path(__file__).resolve().parents[1] / "tutoridv" / "patches"
    assert {path.name: path.read_text() for path in source.iterdir()} == PATCHES


def test_every_patch_name_is_one_tutor_renders(tutor_api: Any) -> None:
    """A misspelt patch name renders nowhere, silently: each of ours is called by a template of Tutor's."""
    templates = Path(tutor_api.env.TEMPLATES_ROOT)
    called = {
        name
        for path in templates.rglob("*")
        if path.is_file()
        for name in re.findall(r"""patch\(["']([\w-]+)["']\)""", path.read_text(errors="replace"))
    }
    assert set(PATCHES) <= called, sorted(set(PATCHES) - called)


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("name", sorted(PATCHES))
def test_every_patch_renders_with_strict_undefined(
    render: Callable[..., str], tutor_api: Any, name: str, variant: str
) -> None:
    assert tutor_api.env.JinjaEnvironment().undefined is jinja2.StrictUndefined
    rendered = render(PATCHES[name], **VARIANTS[variant])
    if name.startswith("openedx-lms-"):
        ast.parse(rendered)
    elif name == "k8s-deployments":
        assert all(isinstance(document, dict) for document in yaml.safe_load_all(rendered) if document)
    elif name.endswith("-services"):
        assert isinstance(yaml.safe_load(rendered) or {}, dict)


def test_a_missing_value_is_an_error_not_a_blank(tutor_api: Any, tutor_config: dict[str, Any]) -> None:
    config = {key: value for key, value in tutor_config.items() if key != "IDV_PROVIDERS"}
    with pytest.raises(tutor_api.exceptions.TutorError, match="IDV_PROVIDERS"):
        tutor_api.env.Renderer(config).render_str(PATCHES["openedx-dockerfile-post-python-requirements"])


def test_config_save_writes_the_defaults(
    plugin: types.ModuleType, tutor_root: Path, tutor_config: dict[str, Any]
) -> None:
    assert "idv" in tutor_config["PLUGINS"]
    assert tutor_config["IDV_PROVIDERS"] == ["manual"]
    assert tutor_config["IDV_PERSONA_API_KEY"] == ""
    assert set(tutor_config["IDV_EVENT_BUS_PRODUCER_CONFIG"]) == set(plugin.IDV_EVENT_TYPES)


def _module_level(tree: ast.Module) -> tuple[dict[str, Any], list[str]]:
    """The literal assignments of a settings module, and the names of the functions it calls at the top."""
    assigned: dict[str, Any] = {}
    calls: list[str] = []
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            try:
                assigned[node.targets[0].id] = ast.literal_eval(node.value)
            except ValueError:
                continue
        elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
            func = node.value.func
            calls.append(func.id if isinstance(func, ast.Name) else ast.unparse(func))
    return assigned, calls


@pytest.mark.parametrize("variant", ["production", "development"])
def test_the_lms_settings_parse_and_merge_last(tutor_root: Path, variant: str) -> None:
    settings = tutor_root / "env" / "apps" / "openedx" / "settings" / "lms" / f"{variant}.py"
    assigned, calls = _module_level(ast.parse(settings.read_text()))
    assert assigned["IDV_ENABLED_PROVIDERS"] == ["manual"]
    assert assigned["IDV_DEFAULT_PROVIDER"] is None
    assert assigned["IDV_PLATFORM_MIRROR"] == "auto"
    # Once with the common settings, once more as the file's very last statement.
    assert calls.count("_idv_tutor_settings") == 2
    assert calls[-1] == "_idv_tutor_settings"
    assert ast.parse(settings.read_text()).body[-1].value.func.id == "_idv_tutor_settings"


def test_config_save_set_reaches_the_settings(tmp_path: Path) -> None:
    root = make_root(
        tmp_path,
        "--set",
        'IDV_PROVIDERS=["manual", "persona"]',
        "--set",
        "IDV_DEFAULT_PROVIDER=persona",
        "--set",
        "IDV_PERSONA_API_KEY=persona_sandbox_key",
        "--set",
        "IDV_EVENT_BUS_PRODUCER_CONFIG={}",
    )
    production = (root / "env" / "apps" / "openedx" / "settings" / "lms" / "production.py").read_text()
    assigned, _calls = _module_level(ast.parse(production))
    assert assigned["IDV_ENABLED_PROVIDERS"] == ["manual", "persona"]
    assert assigned["IDV_DEFAULT_PROVIDER"] == "persona"
    assert "'persona_sandbox_key'" in production
    dockerfile = (root / "env" / "build" / "openedx" / "Dockerfile").read_text()
    assert "'openedx-idv-persona==" in dockerfile
    compose = yaml.safe_load((root / "env" / "local" / "docker-compose.yml").read_text())
    assert "idv-relay" not in compose["services"]


@pytest.fixture
def settings_module() -> Iterator[types.ModuleType]:
    """An LMS settings module where the platform, its plugins and the operator already set things."""
    sys.path.insert(0, str(REPO_ROOT))  # idv_core.settings.common imports nothing but the standard library
    module = types.ModuleType("lms.envs.tutor.production")
    module.OPEN_EDX_FILTERS_CONFIG = {
        "org.openedx.learning.course.enrollment.started.v1": {"pipeline": ["operator.Enrollment"]},
        FILTER_TYPE: {"pipeline": ["operator.VerifyURL"], "fail_silently": False},
    }
    module.EVENT_BUS_PRODUCER_CONFIG = {
        "org.openedx.learning.certificate.created.v1": {
            "learning-certificate-lifecycle": {
                "event_key_field": "certificate.course.course_key",
                "enabled": True,
            }
        },
    }
    module.IDV_EVENT_BUS_PRODUCER_CONFIG = {
        APPROVED: {
            "operator-topic": {"event_key_field": "idv_attempt.user.id", "enabled": True},
            # The operator turned our default route of this event off: it stays off.
            "learning-idv-attempt": {"event_key_field": "idv_attempt.user.id", "enabled": False},
        },
    }
    module.IDV_PERSONA = {"API_KEY": "", "INQUIRY_TEMPLATE_ID": "itmpl_operator", "TIMEOUT_SECONDS": 5}
    sys.modules[module.__name__] = module
    yield module
    del sys.modules[module.__name__]
    sys.path.remove(str(REPO_ROOT))


def _exec_patch(render: Callable[..., str], name: str, module: types.ModuleType, **config: Any) -> None:
    exec(compile(render(PATCHES[name], **config), name, "exec"), module.__dict__)  # noqa: S102 -- our own patch


def test_the_settings_merge_keeps_the_operators_entries(
    plugin: types.ModuleType, render: Callable[..., str], settings_module: types.ModuleType
) -> None:
    operator_bus = {key: dict(value) for key, value in settings_module.EVENT_BUS_PRODUCER_CONFIG.items()}
    _exec_patch(
        render, "openedx-lms-common-settings", settings_module, **VARIANTS["every provider, Persona's keys"]
    )

    filters = settings_module.OPEN_EDX_FILTERS_CONFIG
    assert filters[FILTER_TYPE]["pipeline"] == [OUR_STEP, "operator.VerifyURL"]
    assert filters[FILTER_TYPE]["fail_silently"] is False
    assert filters["org.openedx.learning.course.enrollment.started.v1"] == {
        "pipeline": ["operator.Enrollment"]
    }
    # openedx-events' own producer configuration is the operator's, untouched (no IDV event in it: E007).
    assert operator_bus == settings_module.EVENT_BUS_PRODUCER_CONFIG
    routes = settings_module.IDV_EVENT_BUS_PRODUCER_CONFIG
    assert set(routes[APPROVED]) == {"operator-topic", plugin.DEFAULT_TOPIC}
    assert routes[APPROVED][plugin.DEFAULT_TOPIC]["enabled"] is False
    assert set(routes[CREATED]) == {plugin.DEFAULT_TOPIC}
    assert routes[CREATED][plugin.DEFAULT_TOPIC] == {
        "event_key_field": "idv_attempt.user.id",
        "enabled": True,
    }
    # Persona: the keys Tutor's config sets, the operator's for the blank ones, and the rest kept.
    assert settings_module.IDV_PERSONA == {
        "API_KEY": "persona_sandbox_key",
        "INQUIRY_TEMPLATE_ID": "itmpl_1",
        "WEBHOOK_SECRETS": ["wbhsec_new", "wbhsec_old"],
        "TIMEOUT_SECONDS": 5,
    }
    assert settings_module.IDV_ENABLED_PROVIDERS == ["persona", "manual", "sso", "acme"]
    assert settings_module.IDV_DEFAULT_PROVIDER == "persona"
    assert settings_module.IDV_DAYS_GOOD_FOR == 365  # the core's defaults fill in the rest


def test_a_later_patch_that_replaces_the_dicts_does_not_drop_ours(
    plugin: types.ModuleType, render: Callable[..., str], settings_module: types.ModuleType
) -> None:
    _exec_patch(render, "openedx-lms-common-settings", settings_module)
    # What the issue describes: a settings patch loaded after the plugin's assigns the whole dictionaries.
    settings_module.OPEN_EDX_FILTERS_CONFIG = {FILTER_TYPE: {"pipeline": ["operator.Later"]}}
    settings_module.IDV_EVENT_BUS_PRODUCER_CONFIG = {
        CREATED: {"later-topic": {"event_key_field": "idv_attempt.user.id", "enabled": False}}
    }
    _exec_patch(render, "openedx-lms-production-settings", settings_module)

    assert settings_module.OPEN_EDX_FILTERS_CONFIG[FILTER_TYPE]["pipeline"] == [OUR_STEP, "operator.Later"]
    routes = settings_module.IDV_EVENT_BUS_PRODUCER_CONFIG
    assert set(routes[CREATED]) == {"later-topic", plugin.DEFAULT_TOPIC}
    assert routes[CREATED]["later-topic"]["enabled"] is False
    assert set(routes) == set(plugin.IDV_EVENT_TYPES)


def test_without_routes_the_operators_routes_are_all_there_is(
    render: Callable[..., str], settings_module: types.ModuleType
) -> None:
    _exec_patch(render, "openedx-lms-common-settings", settings_module, IDV_EVENT_BUS_PRODUCER_CONFIG={})
    assert settings_module.IDV_EVENT_BUS_PRODUCER_CONFIG == {
        APPROVED: {
            "operator-topic": {"event_key_field": "idv_attempt.user.id", "enabled": True},
            "learning-idv-attempt": {"event_key_field": "idv_attempt.user.id", "enabled": False},
        }
    }
    # Persona is not enabled: its settings are not touched.
    assert settings_module.IDV_PERSONA["API_KEY"] == ""


def test_the_defaults_do_not_mutate_the_cores_defaults(
    plugin: types.ModuleType, render: Callable[..., str], settings_module: types.ModuleType
) -> None:
    from idv_core.settings.common import DEFAULTS

    del settings_module.IDV_EVENT_BUS_PRODUCER_CONFIG
    _exec_patch(render, "openedx-lms-common-settings", settings_module)
    assert set(settings_module.IDV_EVENT_BUS_PRODUCER_CONFIG) == set(plugin.IDV_EVENT_TYPES)
    assert DEFAULTS["IDV_EVENT_BUS_PRODUCER_CONFIG"] == {}


def test_the_relay_is_a_service_in_local_and_dev(tutor_root: Path, tutor_config: dict[str, Any]) -> None:
    local = yaml.safe_load((tutor_root / "env" / "local" / "docker-compose.yml").read_text())
    relay = local["services"]["idv-relay"]
    assert relay["command"] == "./manage.py lms idv_relay_events"
    assert relay["image"] == tutor_config["DOCKER_IMAGE_OPENEDX"]
    assert relay["environment"]["DJANGO_SETTINGS_MODULE"] == "lms.envs.tutor.production"
    assert "../apps/openedx/settings/lms:/openedx/edx-platform/lms/envs/tutor:roz" in relay["volumes"]
    # `tutor dev` adds dev/docker-compose.yml over local/docker-compose.yml.
    dev = yaml.safe_load((tutor_root / "env" / "dev" / "docker-compose.yml").read_text())
    assert dev["services"]["idv-relay"] == {
        "image": tutor_config["DOCKER_IMAGE_OPENEDX_DEV"],
        "environment": {"DJANGO_SETTINGS_MODULE": "lms.envs.tutor.development"},
    }


def test_the_relay_is_a_kubernetes_deployment(tutor_root: Path, tutor_config: dict[str, Any]) -> None:
    documents = list(yaml.safe_load_all((tutor_root / "env" / "k8s" / "deployments.yml").read_text()))
    [relay] = [doc for doc in documents if doc and doc["metadata"]["name"] == "idv-relay"]
    assert relay["kind"] == "Deployment"
    [container] = relay["spec"]["template"]["spec"]["containers"]
    assert container["args"] == ["./manage.py", "lms", "idv_relay_events"]
    assert container["image"] == tutor_config["DOCKER_IMAGE_OPENEDX"]
    mounted = {mount["name"] for mount in container["volumeMounts"]}
    assert mounted == {volume["name"] for volume in relay["spec"]["template"]["spec"]["volumes"]}


def test_without_routes_there_is_no_relay(render: Callable[..., str]) -> None:
    for name in ("local-docker-compose-services", "local-docker-compose-dev-services", "k8s-deployments"):
        assert render(PATCHES[name], IDV_EVENT_BUS_PRODUCER_CONFIG={}).strip() == ""


def _pip_install_line(dockerfile: str) -> list[str]:
    [line] = [line for line in dockerfile.splitlines() if "'openedx-idv==" in line]
    return re.findall(r"'([^']+)'", line)


def test_the_image_installs_the_pinned_packages(tutor_root: Path, render: Callable[..., str]) -> None:
    dockerfile = (tutor_root / "env" / "build" / "openedx" / "Dockerfile").read_text()
    assert _pip_install_line(dockerfile) == ["openedx-idv==0.1.0", "openedx-idv-manual==0.1.0"]
    # Before OPENEDX_EXTRA_PIP_REQUIREMENTS, after the platform's own requirements.
    assert dockerfile.index("'openedx-idv==") > dockerfile.index("requirements/edx/base.txt")
    rendered = render(
        PATCHES["openedx-dockerfile-post-python-requirements"], **VARIANTS["every provider, Persona's keys"]
    )
    assert _pip_install_line(rendered) == [
        "openedx-idv==0.1.0",
        "openedx-idv-manual==0.1.0",
        "openedx-idv-persona==0.1.0",
        "openedx-idv-sso==0.1.0",
        "openedx-idv-acme==1.2.3",
    ]


def test_the_pins_are_the_versions_in_this_repository(plugin: types.ModuleType) -> None:
    packages = {
        "IDV_PIP_REQUIREMENT": "idv_core/__init__.py",
        "IDV_MANUAL_PIP_REQUIREMENT": "providers/manual/idv_manual/__init__.py",
        "IDV_PERSONA_PIP_REQUIREMENT": "providers/persona/idv_persona/__init__.py",
        "IDV_SSO_PIP_REQUIREMENT": "providers/sso/idv_sso/__init__.py",
    }
    assert set(packages) == set(plugin.PIP_REQUIREMENTS)
    for name, path in packages.items():
        [version] = re.findall(r'^__version__ = "([^"]+)"', (REPO_ROOT / path).read_text(), re.MULTILINE)
        assert plugin.PIP_REQUIREMENTS[name].endswith(f"=={version}"), name


def _init_tasks(tutor_api: Any, context: str | None = None) -> list[tuple[str, str]]:
    return list(tutor_api.hooks.Filters.CLI_DO_INIT_TASKS.iterate_from_context(context))


def test_the_init_task_runs_in_the_lms_after_tutors_migrations(
    tutor_api: Any, render: Callable[..., str]
) -> None:
    tasks = _init_tasks(tutor_api)
    [migrations] = [index for index, (service, task) in enumerate(tasks) if "./manage.py lms migrate" in task]
    [ours] = [index for index, (service, task) in enumerate(tasks) if "idv_platform_sync" in task]
    assert ours > migrations
    assert tasks[ours][0] == "lms"
    # `tutor local do init --limit idv` runs it too.
    assert [task for _service, task in _init_tasks(tutor_api, tutor_api.hooks.Contexts.app("idv").name)] == [
        tasks[ours][1]
    ]
    script = render(tasks[ours][1])
    commands = [line for line in script.splitlines() if line.startswith("./manage.py")]
    assert commands == ["./manage.py lms check --tag idv", "./manage.py lms idv_platform_sync --fix"]
    without_mirror = render(tasks[ours][1], IDV_PLATFORM_MIRROR=False)
    assert [line for line in without_mirror.splitlines() if line.startswith("./manage.py")] == [
        "./manage.py lms check --tag idv"
    ]


def test_an_image_without_openedx_idv_says_to_build_it_again(
    render: Callable[..., str], settings_module: types.ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "idv_core.settings.common", None)  # what an image built before has
    with pytest.raises(ImportError, match=r"tutor images build openedx"):
        _exec_patch(render, "openedx-lms-common-settings", settings_module)
