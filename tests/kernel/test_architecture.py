"""The shape of the code: layers, one-way dependencies, the namespace mapping."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

from support import REPO_ROOT

LINT_IMPORTS = str(Path(sys.executable).parent / "lint-imports")


def test_import_contracts_hold():
    # pyproject.toml: core never imports consent/calendar/plugins; each feature's layers
    # run one way; the kernel knows no feature's use cases; only the api and pages know
    # HTTP; domain code is pure.
    result = subprocess.run(
        [LINT_IMPORTS, str(REPO_ROOT / "pyproject.toml")],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "broken" not in result.stdout.lower().replace("0 broken", "")


def test_the_repository_root_does_not_shadow_the_standard_library():
    assert not (REPO_ROOT / "calendar" / "__init__.py").exists()
    # as `python -m ...` and uvicorn run it: the working directory first on sys.path
    probe = "import sys; sys.path.insert(0, ''); import http.cookiejar, calendar; print(calendar.timegm((2026, 1, 1, 0, 0, 0)))"
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=REPO_ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "1767225600"


def test_every_source_folder_is_a_listed_package():
    config = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    listed = set(config["packages"])
    mapping = config["package-dir"]
    found = set()
    for package, folder in mapping.items():
        for directory in [REPO_ROOT / folder, *(p for p in (REPO_ROOT / folder).rglob("*") if p.is_dir())]:
            if "__pycache__" in directory.parts or not any(directory.glob("*.py")):
                continue
            relative = directory.relative_to(REPO_ROOT / folder).parts
            found.add(".".join((package, *relative)))
    assert found - listed == set(), "add these to [tool.setuptools] packages"


def test_the_cli_runs_as_a_module_from_the_repository_root():
    result = subprocess.run(
        [sys.executable, "-m", "sotesilta.core", "--help"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0 and "serve" in result.stdout


def test_the_code_passes_the_linter_and_formatter():
    ruff = str(Path(sys.executable).parent / "ruff")
    for command in ([ruff, "check", "."], [ruff, "format", "--check", "."]):
        result = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, check=False)
        assert result.returncode == 0, result.stdout + result.stderr


LAYERS = ("domain", "tables", "service", "api", "pages")


def _core_children() -> set[str]:
    core = REPO_ROOT / "core"
    return {
        p.stem if p.is_file() else p.name
        for p in core.iterdir()
        if p.name != "__init__.py" and (p.suffix == ".py" or (p / "__init__.py").exists())
    }


def _features() -> set[str]:
    core = REPO_ROOT / "core"
    return {
        name
        for name in _core_children()
        if any((core / name / f"{layer}.py").exists() or (core / name / layer).is_dir() for layer in LAYERS)
    }


def test_the_import_contracts_name_every_feature_and_every_module_of_core():
    contracts = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]
    last = {c["name"]: c for c in contracts}

    def tails(modules: list[str]) -> set[str]:
        return {m.removeprefix("sotesilta.core.") for m in modules}

    features = _features()
    assert {"scheduling", "rehab", "statistics", "accounts"} <= features
    layered = next(c for c in contracts if c["type"] == "layers")
    assert tails(layered["containers"]) == features
    independent = next(c for c in contracts if c["type"] == "independence")
    assert tails(independent["modules"]) == features
    plugins = next(c for name, c in last.items() if "only through sotesilta.core.plugin_api" in name)
    assert tails(plugins["forbidden_modules"]) == _core_children() - {"plugin_api"}
