"""What an installed distribution carries: one version, the licence, classifiers and links."""

from __future__ import annotations

import importlib.metadata
from pathlib import Path

import clevertap_async

ROOT = Path(__file__).resolve().parents[2]


def test_the_installed_version_is_the_package_version() -> None:
    assert importlib.metadata.version("clevertap-async") == clevertap_async.__version__
    text = (ROOT / "pyproject.toml").read_text()
    assert 'dynamic = ["version"]' in text and "\nversion =" not in text


def test_the_licence_travels_with_the_distribution() -> None:
    distribution = importlib.metadata.distribution("clevertap-async")
    assert distribution.metadata["License-Expression"] == "MIT"
    assert distribution.metadata.get_all("License-File") == ["LICENSE"]
    shipped = [f for f in distribution.files or () if f.name == "LICENSE"]
    assert shipped and "MIT License" in shipped[0].read_text()
    assert (ROOT / "LICENSE").read_text() == shipped[0].read_text()


def test_classifiers_and_project_urls_are_declared() -> None:
    metadata = importlib.metadata.metadata("clevertap-async")
    classifiers = metadata.get_all("Classifier") or []
    assert "Programming Language :: Python :: 3.11" in classifiers
    assert "Typing :: Typed" in classifiers
    urls = dict(line.split(", ", 1) for line in metadata.get_all("Project-URL") or [])
    assert {"Homepage", "Documentation", "Source", "Changelog"} <= set(urls)
