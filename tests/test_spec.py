"""Spec conformance: one test per core spec script, run by wasmtier.spectest.

In-scope scripts (FEATURES.tsv features within IN_SCOPE_FEATURES: wasm2,
multi-memory, tail-call, extended-const) must pass completely: no failures and
no skips except text-format ``assert_malformed`` (reason ``text format``).
Every other script must have no failures; what it skips (unsupported
features) is fine.

Each script runs on three configurations (`TIERS`): the interpreter; tier 1
for every function ("baseline": compiled at instantiation); and tiered with
a threshold of 0, compiling in the foreground, so every function tiers up on
its first call and every loop enters compiled code by OSR on its first
iteration ("auto0").

Environment:
  WASMTIER_SPECTEST      the corpus (default ../shared/spectest from the repo root)
  WASMTIER_TEST_TIER     Config.strategy for wasmtier (default "interp")
  WASMTIER_TEST_ENGINE   "wasmtier" (default) or "wasmtime" (checks the harness itself)
"""

from __future__ import annotations

import os

import pytest

from wasmtier import spectest

SPECTEST_ROOT = spectest.spectest_root()
CORE_DIR = SPECTEST_ROOT / "core"

if not CORE_DIR.is_dir():
    pytest.skip(f"spec tests not found at {CORE_DIR} (set WASMTIER_SPECTEST)",
                allow_module_level=True)

CORE_SCRIPTS = spectest.discover_scripts([CORE_DIR])
FEATURES = spectest.load_features(SPECTEST_ROOT)
ALLOWED_SKIPS_IN_SCOPE = {"text format"}


TIERS = {
    "interp": ("interp", {}),
    "baseline": ("baseline", {}),
    "auto0": ("auto", {"tier_up_baseline": 0, "background_compile": False}),
}


@pytest.fixture(scope="module", params=list(TIERS))
def adapter(request) -> spectest.EngineAdapter:
    engine = os.environ.get("WASMTIER_TEST_ENGINE", "wasmtier")
    strategy, config = TIERS[request.param]
    strategy = os.environ.get("WASMTIER_TEST_TIER", strategy)
    if engine != "wasmtier":
        if request.param != "interp":
            pytest.skip("tier configurations apply to wasmtier only")
        return spectest.ADAPTERS[engine](strategy=strategy)
    return spectest.ADAPTERS[engine](strategy=strategy, config=config)


def is_in_scope(name: str) -> bool:
    features = FEATURES.get(name)
    return features is not None and features <= spectest.IN_SCOPE_FEATURES


def describe(result: spectest.ScriptResult, limit: int = 30) -> str:
    lines = [f"{result.script}: {result.passed} passed, {result.failed} failed, "
             f"{result.skipped} skipped"]
    lines += [f"  line {f.line}: {f.reason}" for f in result.failures[:limit]]
    if len(result.failures) > limit:
        lines.append(f"  ... {len(result.failures) - limit} more failures")
    lines += [f"  skipped {n}: {reason}" for reason, n in sorted(result.skip_reasons.items())]
    return "\n".join(lines)


@pytest.mark.parametrize("script", CORE_SCRIPTS, ids=[p.stem for p in CORE_SCRIPTS])
def test_core_script(adapter, script):
    name = spectest.script_name(script, SPECTEST_ROOT)
    result = spectest.run_script(adapter, script, name)
    assert result.failed == 0, describe(result)
    if is_in_scope(name):
        unexpected_skips = set(result.skip_reasons) - ALLOWED_SKIPS_IN_SCOPE
        assert not unexpected_skips, describe(result)
