"""The ``wasmtier`` command line.

Each subcommand is a pair of functions: ``add_<name>_parser(subparsers)``
declares its arguments and ``cmd_<name>(args) -> exit code`` runs it; `main`
only dispatches.  New subcommands (``run``, ``bench``, ...) add one pair and
one line in `SUBCOMMANDS`.

Exit codes: 0 success, 1 the command ran and found failures, 2 usage errors
(bad arguments, missing inputs).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, Callable, Sequence

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


# --------------------------------------------------------------------------
# spectest


def add_spectest_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "spectest", help="run WebAssembly spec-test JSON scripts",
        description="Run spec-test scripts (wast2json format). PATH: script files or "
                    "directories; default: every core script under $WASMTIER_SPECTEST/core "
                    "($WASMTIER_SPECTEST defaults to ../shared/spectest from the repository root).")
    parser.add_argument("paths", nargs="*", metavar="PATH", type=Path)
    add_config_arguments(parser)
    parser.add_argument("--json", dest="json_out", metavar="OUT", type=Path,
                        help="write the per-script results as JSON to OUT")
    parser.add_argument("--engine", choices=("wasmtier", "wasmtime"), default="wasmtier",
                        help="developer option: run against wasmtime-py instead of wasmtier")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="list each failure (line: reason) and skip reason under its script")
    parser.add_argument("--guard-seconds", type=float, default=None,
                        help="wall-clock guard in seconds per instantiation and invocation "
                             "(default: 120; 0 disables)")
    parser.set_defaults(run=cmd_spectest)


def cmd_spectest(args: argparse.Namespace) -> int:
    from wasmtier import spectest

    if args.paths:
        roots = args.paths
    else:
        root = spectest.spectest_root()
        if not (root / "core").is_dir():
            raise UsageError(f"spec tests not found at {root / 'core'}: set WASMTIER_SPECTEST "
                             "to the spectest directory (the one holding core/)")
        roots = [root / "core"]
    try:
        scripts = spectest.discover_scripts(roots)
    except FileNotFoundError as exc:
        raise UsageError(str(exc)) from None
    if not scripts:
        raise UsageError(f"no spec scripts under {', '.join(map(str, roots))}")

    settings = parse_config_settings(args.config)
    try:
        adapter = spectest.ADAPTERS[args.engine](strategy=args.tier, config=settings)
    except (ImportError, AttributeError, TypeError, ValueError) as exc:
        raise UsageError(f"cannot create the {args.engine} engine (--tier {args.tier}, "
                         f"-C {settings}): {type(exc).__name__}: {exc}") from None
    guard = spectest.DEFAULT_GUARD_SECONDS if args.guard_seconds is None else args.guard_seconds

    def print_result(result: spectest.ScriptResult) -> None:
        print(f"{result.script}: {result.passed} passed, {result.failed} failed, "
              f"{result.skipped} skipped", flush=True)
        if args.verbose:
            for failure in result.failures:
                print(f"    line {failure.line}: {failure.reason}")
            for reason, count in sorted(result.skip_reasons.items()):
                print(f"    skipped {count}: {reason}")

    report = spectest.run_scripts(adapter, scripts, on_result=print_result, guard_seconds=guard)
    print(report.summary_line())
    if args.json_out is not None:
        args.json_out.write_text(json.dumps(report.to_json(), indent=1) + "\n")
    return 1 if report.failed else 0


# --------------------------------------------------------------------------

SUBCOMMANDS: list[Callable] = [add_spectest_parser]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="wasmtier",
                                     description="wasmtier: a tiered WebAssembly runtime")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for add_parser in SUBCOMMANDS:
        add_parser(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except UsageError as exc:
        print(f"wasmtier {args.command}: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
