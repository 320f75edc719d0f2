"""Review signals: the checklist of things a reviewer should know about a re-run notebook.

Stale outputs, out-of-order runs (and outputs cleared where the base had them), new errors
and warnings, outputs that grew, strings that look like secrets, a changed kernel. Each comes
from the diff's cells and the two notebooks; nothing here re-aligns anything.
"""

from __future__ import annotations

import json
import re
from typing import Any

from ..model import CellDiff, NotebookDiff
from .model import Signal

OUTPUT_GROWTH_BYTES = 100_000  # a cell whose outputs grew by more than this is flagged
MAX_SECRET_SCAN_CHARS = 1_000_000  # text of one cell's new outputs scanned for secrets

# A small, well-known rule set (the shapes gitleaks and GitHub secret scanning look for).
SECRET_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("AWS access key id", re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b")),
    ("GitHub token", re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})\b")),
    ("Slack token", re.compile(r"\bxox[abposr]-[0-9A-Za-z-]{10,}\b")),
    ("Google API key", re.compile(r"\bAIza[0-9A-Za-z_\-]{35}\b")),
    ("OpenAI API key", re.compile(r"\bsk-(?:proj-)?[A-Za-z0-9_\-]{32,}\b")),
    ("private key", re.compile(r"-----BEGIN (?:RSA |EC |DSA |OPENSSH |PGP |ENCRYPTED )?PRIVATE KEY(?: BLOCK)?-----")),
    ("password in a URL", re.compile(r"\b[a-zA-Z][a-zA-Z0-9+.\-]*://[^\s/:@'\"]+:[^\s/@'\"]{3,}@[^\s/'\"]+")),
    (
        "api key or password assignment",
        re.compile(
            r"(?i)\b(?:api[_-]?key|secret[_-]?key|access[_-]?token|auth[_-]?token|password|passwd|client[_-]?secret)"
            r"\s*[=:]\s*['\"]?(?!\*+['\"]?\s*$)[A-Za-z0-9_\-./+=]{8,}"
        ),
    ),
)
_WARNING = re.compile(
    r"^(?:.*?:\d+: )?(?P<kind>[A-Z]\w*Warning): (?P<msg>.*)$|^(?P<log>WARNING)(?::[\w.]+:|\s*[:\-]\s*)(?P<lmsg>.*)$"
)


def _text(value: Any) -> str:
    if isinstance(value, list):
        return "".join(str(v) for v in value)
    return value if isinstance(value, str) else ""


def _cell(nb: dict[str, Any] | None, index: int | None) -> dict[str, Any]:
    if nb is None or index is None:
        return {}
    cells = nb.get("cells")
    if not isinstance(cells, list) or not 0 <= index < len(cells) or not isinstance(cells[index], dict):
        return {}
    c: dict[str, Any] = cells[index]
    return c


def _outputs(cell: dict[str, Any]) -> list[dict[str, Any]]:
    outs = cell.get("outputs")
    return [o for o in outs if isinstance(o, dict)] if isinstance(outs, list) else []


def _output_text(out: dict[str, Any]) -> str:
    if out.get("output_type") == "stream":
        return _text(out.get("text"))
    if out.get("output_type") == "error":
        return "\n".join(str(x) for x in out.get("traceback", []) if isinstance(x, str))
    data = out.get("data")
    if isinstance(data, dict):
        return "\n".join(_text(v) for k, v in data.items() if k.startswith("text/") or k == "application/json")
    return ""


def _size(outs: list[dict[str, Any]]) -> int:
    return len(json.dumps(outs, ensure_ascii=False)) if outs else 0


def _warnings(outs: list[dict[str, Any]]) -> list[str]:
    """Warning lines in stderr: ``path:12: UserWarning: msg`` (warnings.warn), ``WARNING:root:msg`` (logging)."""
    found: list[str] = []
    for o in outs:
        if o.get("output_type") != "stream" or o.get("name") != "stderr":
            continue
        for line in _text(o.get("text")).splitlines():
            m = _WARNING.match(line.strip())
            if m:
                kind = m.group("kind") or "WARNING"
                found.append(f"{kind}: {(m.group('msg') if m.group('kind') else m.group('lmsg')).strip()}")
    return found


def _errors(outs: list[dict[str, Any]]) -> list[str]:
    return [f"{o.get('ename', 'Error')}: {o.get('evalue', '')}".strip() for o in outs if o.get("output_type") == "error"]


def mask(secret: str) -> str:
    """Enough of a secret to find it, never the whole of it."""
    return secret[:4] + "…" if len(secret) > 8 else "…"


def secrets_in(text: str) -> list[tuple[str, str]]:
    """(rule name, masked match) for each secret-looking string in a text."""
    found: list[tuple[str, str]] = []
    text = text[:MAX_SECRET_SCAN_CHARS]
    for name, rule in SECRET_RULES:
        for m in rule.finditer(text):
            found.append((name, mask(m.group())))
    return found


def _short(text: str, limit: int = 100) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def cell_signals(c: CellDiff, old: dict[str, Any], new: dict[str, Any]) -> list[Signal]:
    """Signals of one cell of the new notebook (its matched old cell may be empty)."""
    out: list[Signal] = []
    idx = c.new_index
    if idx is None or new.get("cell_type") != "code":
        return out
    old_outs, new_outs = _outputs(old), _outputs(new)
    if (
        c.status == "modified"
        and "source" in c.changed
        and "outputs" not in c.changed
        and "execution_count" not in c.changed
        and new_outs
    ):
        out.append(Signal("stale_output", idx, "source changed but outputs and execution count did not: not re-run"))
    if c.status == "unchanged":
        return out
    before_err = set(_errors(old_outs))
    for e in _errors(new_outs):
        if e not in before_err:
            out.append(Signal("new_error", idx, _short(e)))
    before_warn = set(_warnings(old_outs))
    for w in dict.fromkeys(_warnings(new_outs)):
        if w not in before_warn:
            out.append(Signal("new_warning", idx, _short(w)))
    grew = _size(new_outs) - _size(old_outs)
    if grew > OUTPUT_GROWTH_BYTES:
        out.append(Signal("output_growth", idx, f"outputs grew by {grew / 1000:,.0f} kB"))
    if new_outs and old_outs != new_outs:
        before = {s for o in old_outs for s in secrets_in(_output_text(o))}
        for name, masked in dict.fromkeys(s for o in new_outs for s in secrets_in(_output_text(o))):
            if (name, masked) not in before:
                out.append(Signal("secret", idx, f"{name} in an output ({masked})"))
    return out


def _counts(nb: dict[str, Any] | None) -> list[tuple[int, int]]:
    """(cell index, execution count) of the code cells that have one, top to bottom."""
    cells = nb.get("cells") if isinstance(nb, dict) else None
    out = []
    for k, c in enumerate(cells if isinstance(cells, list) else []):
        if isinstance(c, dict) and c.get("cell_type") == "code" and isinstance(c.get("execution_count"), int):
            out.append((k, int(c["execution_count"])))
    return out


def _with_outputs(nb: dict[str, Any] | None) -> int:
    cells = nb.get("cells") if isinstance(nb, dict) else None
    return sum(1 for c in cells if isinstance(c, dict) and _outputs(c)) if isinstance(cells, list) else 0


def _kernel(nb: dict[str, Any] | None) -> tuple[str, str]:
    meta = nb.get("metadata") if isinstance(nb, dict) else None
    meta = meta if isinstance(meta, dict) else {}
    ks = meta.get("kernelspec") if isinstance(meta.get("kernelspec"), dict) else {}
    li = meta.get("language_info") if isinstance(meta.get("language_info"), dict) else {}
    kernel = str(ks.get("name") or ks.get("display_name") or "")
    lang = f"{li.get('name', '')} {li.get('version', '')}".strip()
    return kernel, lang


def notebook_signals(d: NotebookDiff) -> list[Signal]:
    """The signals of a whole diff, in notebook order (notebook-level ones first)."""
    out: list[Signal] = []
    if d.old.empty or d.new.empty:
        return [s for c in d.cells for s in cell_signals(c, {}, _cell(d.new_nb, c.new_index))]
    ok, ol = _kernel(d.old_nb)
    nk, nl = _kernel(d.new_nb)
    if ok and nk and ok != nk:
        out.append(Signal("kernel_changed", None, f"kernel {ok} → {nk}"))
    if ol and nl and ol != nl:
        out.append(Signal("kernel_changed", None, f"language {ol} → {nl}"))
    before, after = _with_outputs(d.old_nb), _with_outputs(d.new_nb)
    if before and not after:
        out.append(
            Signal("out_of_order", None, f"saved without outputs: the base had outputs in {before} cells")
        )
    counts = _counts(d.new_nb)
    if [n for _, n in counts] != [n for _, n in _counts(d.old_nb)]:
        for (_, a), (k, b) in zip(counts, counts[1:]):
            if b <= a:
                out.append(Signal("out_of_order", k, f"run out of order: execution count {b} after {a}"))
    for c in d.cells:
        out += cell_signals(c, _cell(d.old_nb, c.old_index), _cell(d.new_nb, c.new_index))
    return out
