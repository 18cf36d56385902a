"""Printing a benchmark suite's summary table past pytest's output capture."""

from __future__ import annotations


def print_past_capture(request, text: str) -> None:
    """Print `text` at the end of a pytest run even with capture on."""
    capman = request.config.pluginmanager.getplugin("capturemanager")
    if capman is None:
        print(text)
        return
    with capman.global_and_fixture_disabled():
        print(text)
