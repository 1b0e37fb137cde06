"""Goal examples as JUnit XML, the report CI systems show as test results.

One ``testsuite`` per goal file, one ``testcase`` per example (classname: the goal; name: what it
expects and the example); a failed example carries a ``failure`` whose message is the condition
that decided it. The format is the one pytest and the JUnit Ant task write (``testsuites`` >
``testsuite`` > ``testcase`` > ``failure``), which GitHub, GitLab and Jenkins read.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from itertools import groupby

from goalkeeper.goals.examples import ExampleResult


def render_junit(results: Sequence[ExampleResult]) -> str:
    """The XML document, as text."""
    root = ET.Element("testsuites", name="goalkeeper test", tests=str(len(results)))
    root.set("failures", str(sum(not r.passed for r in results)))
    for file, grouped in groupby(results, key=lambda r: r.file):
        cases = list(grouped)
        suite = ET.SubElement(root, "testsuite", name=file, tests=str(len(cases)))
        suite.set("failures", str(sum(not r.passed for r in cases)))
        suite.set("errors", "0")
        for result in cases:
            case = ET.SubElement(
                suite, "testcase", classname=result.goal, name=f"{result.expectation}: {result.example}"
            )
            case.set("file", file)
            if result.line is not None:
                case.set("line", str(result.line))
            if not result.passed:
                failure = ET.SubElement(case, "failure", message=f"expected: {result.expectation}; {result.outcome}")
                failure.text = result.verdict.reason
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
