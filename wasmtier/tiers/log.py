"""`TierLog`: the structured record of what the tier manager did, and when.

Every event is one JSON object with

    t       seconds since the log started (the store's creation)
    kind    "threshold"       a function's counter crossed its threshold
            "compile_start"   tier-1 compilation of a function began
            "compile_end"     ... finished: `ms`, `code_bytes`, `wasm_bytes`
            "compile_failed"  ... refused: `reason` (the function stays on tier 0)
            "publish"         the function's calls now go to its compiled code
            "osr"             a running tier-0 frame moved to compiled code at
                              the header of `loop` (its wasm byte offset)
    func    the function's index in its module
    name    its name, when it has one
    tier    the tier concerned ("baseline")

`wasmtier run --tier-log FILE` (Config.tier_log) writes one event per line
as it happens (JSONL); `events` keeps them in memory for `wasmtier bench`.
Thread-safe: the background compiler logs too.
"""

from __future__ import annotations

import json
import threading
import time

__all__ = ["TierLog", "EVENT_KINDS"]

EVENT_KINDS = ("threshold", "compile_start", "compile_end", "compile_failed", "publish", "osr")


class TierLog:
    def __init__(self, path: str = "", keep: bool = True):
        self.t0 = time.perf_counter()
        self.events: list[dict] = []
        self.keep = keep
        self._lock = threading.Lock()
        self._file = open(path, "w", encoding="utf-8") if path else None

    def event(self, kind: str, func: int, name: str | None = None, **fields) -> dict:
        assert kind in EVENT_KINDS, kind
        ev = {"t": round(time.perf_counter() - self.t0, 6), "kind": kind, "func": func}
        if name is not None:
            ev["name"] = name
        ev["tier"] = "baseline"
        ev.update(fields)
        with self._lock:
            if self.keep:
                self.events.append(ev)
            if self._file is not None:
                self._file.write(json.dumps(ev) + "\n")
                self._file.flush()
        return ev

    def close(self) -> None:
        with self._lock:
            if self._file is not None:
                self._file.close()
                self._file = None
