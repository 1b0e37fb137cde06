"""The files a user or packager reads first: the licence is the one pyproject declares, and the
changelog lists the version being released."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
CHANGELOG = (REPO / "CHANGELOG.md").read_text(encoding="utf-8")
RELEASE = re.compile(r"^## \[(\d+\.\d+\.\d+)\] - (\d{4}-\d{2}-\d{2})$", re.M)


def test_the_licence_is_the_full_apache_2_text_pyproject_declares():
    text = (REPO / "LICENSE").read_text(encoding="utf-8")
    assert PROJECT["license"] == {"text": "Apache-2.0"}
    assert "Apache License\n                           Version 2.0, January 2004" in text
    assert "END OF TERMS AND CONDITIONS" in text and "9. Accepting Warranty or Additional Liability." in text


def test_the_changelog_opens_with_unreleased_then_the_version_in_pyproject():
    headings = re.findall(r"^## .*$", CHANGELOG, re.M)
    assert headings[0] == "## [Unreleased]"
    newest = RELEASE.match(headings[1])
    assert newest and newest[1] == PROJECT["version"]


def test_the_changelog_uses_keep_a_changelogs_kinds_of_change():
    kinds = set(re.findall(r"^### (.*)$", CHANGELOG, re.M))
    assert kinds and kinds <= {"Added", "Changed", "Deprecated", "Removed", "Fixed", "Security"}
