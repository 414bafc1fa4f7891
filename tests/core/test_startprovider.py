"""`python -m idv_core.startprovider`: the generated distribution (run end to end by make test-generated)."""

from __future__ import annotations

import ast
import tomllib

import pytest

from idv_core import startprovider


def _python_lines(source: str) -> int:
    """Lines that are not blank, comments or docstrings."""
    docstrings: set[int] = set()
    for node in ast.walk(ast.parse(source)):
        body = getattr(node, "body", None)
        if isinstance(node, ast.Module | ast.FunctionDef | ast.ClassDef) and body:
            first = body[0]
            if (
                isinstance(first, ast.Expr)
                and isinstance(first.value, ast.Constant)
                and isinstance(first.value.value, str)
            ):
                docstrings.update(range(first.lineno, first.end_lineno + 1))
    return sum(
        1
        for number, line in enumerate(source.splitlines(), 1)
        if line.strip() and not line.strip().startswith("#") and number not in docstrings
    )


def test_the_generated_provider_is_under_fifty_lines_of_python():
    files = startprovider.render_files("emailcode")
    outside_tests = {
        path: text for path, text in files.items() if path.endswith(".py") and not path.startswith("tests/")
    }
    assert set(outside_tests) == {"idv_emailcode/__init__.py", "idv_emailcode/provider.py"}
    assert sum(_python_lines(text) for text in outside_tests.values()) < 50


def test_the_entry_point_names_the_provider_class():
    files = startprovider.render_files("email_code")
    project = tomllib.loads(files["pyproject.toml"])
    assert project["project"]["name"] == "openedx-idv-email_code"
    assert project["project"]["entry-points"]["openedx.idv_provider"] == {
        "email_code": "idv_email_code.provider:EmailCodeProvider"
    }
    assert "class EmailCodeProvider(IDVProvider):" in files["idv_email_code/provider.py"]
    compile(files["idv_email_code/provider.py"], "provider.py", "exec")
    compile(files["tests/test_provider.py"], "test_provider.py", "exec")


@pytest.mark.parametrize("bad", ["Email", "e", "1code", "email-code", "class", "x" * 41, "émail"])
def test_a_bad_id_is_refused_with_the_rule(bad):
    with pytest.raises(startprovider.ProviderIdError):
        startprovider.validate_provider_id(bad)


def test_it_writes_the_distribution_and_never_overwrites(tmp_path, capsys):
    assert startprovider.main(["emailcode", "--dest", str(tmp_path)]) == 0
    root = tmp_path / "openedx-idv-emailcode"
    assert (root / "idv_emailcode" / "provider.py").is_file()
    assert (root / "tests" / "test_provider.py").is_file()
    assert f"Wrote {root}" in capsys.readouterr().out

    with pytest.raises(SystemExit):
        startprovider.main(["emailcode", "--dest", str(tmp_path)])
    assert "already exists; nothing was written" in capsys.readouterr().err


def test_a_bad_id_on_the_command_line_is_a_usage_error(tmp_path, capsys):
    with pytest.raises(SystemExit):
        startprovider.main(["Email Code", "--dest", str(tmp_path)])
    assert "is not a provider id" in capsys.readouterr().err
    assert not list(tmp_path.iterdir())
