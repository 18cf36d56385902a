"""Command-line pieces every ``wasmtier`` subcommand shares: the usage
error, ``--tier`` / ``-C KEY=VALUE`` parsing into a `Config`, and reading an
export's arguments from text.  (A module of its own so that subcommand
modules such as bench.py and cli.py, which lists them, do not import each
other.)"""

from __future__ import annotations

import argparse
from typing import Any, Sequence

TIERS = ("interp", "baseline", "opt", "auto")


class UsageError(Exception):
    """Bad input from the user: reported as one line, exit code 2."""


def parse_config_value(text: str) -> Any:
    """``-C`` values: true/false -> bool, then int (0x.. allowed), float,
    else the string itself."""
    lowered = text.lower()
    if lowered in ("true", "yes", "on"):
        return True
    if lowered in ("false", "no", "off"):
        return False
    try:
        return int(text, 0)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        return text


def parse_config_settings(settings: Sequence[str]) -> dict[str, Any]:
    parsed = {}
    for setting in settings:
        key, sep, value = setting.partition("=")
        if not sep or not key:
            raise UsageError(f"-C expects KEY=VALUE, got {setting!r}")
        parsed[key.strip()] = parse_config_value(value.strip())
    return parsed


def add_config_arguments(parser: argparse.ArgumentParser) -> None:
    """Engine options shared by every subcommand that runs wasm."""
    parser.add_argument("--tier", choices=TIERS, default=None,
                        help="engine strategy (Config.strategy); default: the engine's")
    parser.add_argument("-C", dest="config", action="append", default=[], metavar="KEY=VALUE",
                        help="set a Config attribute (repeatable); values parse as "
                             "bool/int/float/str")


def make_config(tier: str | None, settings: dict[str, Any]):
    import wasmtier

    config = wasmtier.Config()
    if tier is not None:
        config.strategy = tier
    for key, value in settings.items():
        if not hasattr(config, key):
            raise UsageError(f"unknown Config setting {key!r}")
        try:
            setattr(config, key, value)
        except (TypeError, ValueError) as exc:
            raise UsageError(f"-C {key}={value!r}: {exc}") from None
    return config


def invoke_args(func_type, texts: list[str]) -> list:
    from wasmtier.wasm.types import ValType as V

    if len(texts) != len(func_type.core.params):
        raise UsageError(f"the export takes {len(func_type.core.params)} arguments, "
                         f"{len(texts)} given")
    out = []
    for ty, text in zip(func_type.core.params, texts):
        try:
            out.append(int(text, 0) if ty in (V.I32, V.I64) else float(text))
        except ValueError:
            raise UsageError(f"cannot read {text!r} as {ty}") from None
    return out
