"""Review signals: the checklist of things a reviewer should know about a re-run notebook.

Stale outputs, out-of-order runs (and outputs cleared where the base had them), new errors
and warnings, outputs that grew, strings that look like secrets, a changed kernel. Each comes
from the diff's cells and the two notebooks; nothing here re-aligns anything.
"""

from __future__ import annotations

import json
import re

from nbreview import lazy_re
from nbreview.engine.content import cell_at, cell_outputs, output_text
from nbreview.engine.model import CellDiff, NotebookDiff
from nbreview.results.model import Signal

TYPE_CHECKING = False  # not typing's: a git diff driver imports this module, and typing costs it ~3 ms

if TYPE_CHECKING:
    from typing import Any

OUTPUT_GROWTH_BYTES = 100_000  # a cell whose outputs grew by more than this is flagged
MAX_SECRET_SCAN_CHARS = 1_000_000  # text of one cell's new outputs scanned for secrets

# A small, well-known rule set (the shapes gitleaks and GitHub secret scanning look for).
SECRET_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("AWS access key id", lazy_re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b")),
    ("GitHub token", lazy_re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})\b")),
    ("Slack token", lazy_re.compile(r"\bxox[abposr]-[0-9A-Za-z-]{10,}\b")),
    ("Google API key", lazy_re.compile(r"\bAIza[0-9A-Za-z_\-]{35}\b")),
    ("OpenAI API key", lazy_re.compile(r"\bsk-(?:proj-)?[A-Za-z0-9_\-]{32,}\b")),
    ("private key",
     lazy_re.compile(r"-----BEGIN (?:RSA |EC |DSA |OPENSSH |PGP |ENCRYPTED )?PRIVATE KEY(?: BLOCK)?-----")),
    ("password in a URL", lazy_re.compile(r"\b[a-zA-Z][a-zA-Z0-9+.\-]*://[^\s/:@'\"]+:[^\s/@'\"]{3,}@[^\s/'\"]+")),
    (
        "api key or password assignment",
        lazy_re.compile(
            r"\b(?i:api[_-]?key|secret[_-]?key|access[_-]?token|auth[_-]?token|password|passwd|client[_-]?secret)"
            r"\s*[=:]\s*['\"]?(?!\*+['\"]?\s*$)[A-Za-z0-9_\-./+=]{8,}"
        ),
    ),
)
_WARNING = lazy_re.compile(
    r"^(?:.*?:\d+: )?(?P<kind>[A-Z]\w*Warning): (?P<msg>.*)$|^(?P<log>WARNING)(?::[\w.]+:|\s*[:\-]\s*)(?P<lmsg>.*)$"
)


# addresses, numbers and paths differ between runs of the same warning
_WARNING_KEY = lazy_re.compile(r"0x[0-9a-fA-F]+|\d+(?:\.\d+)*|(?:/[\w.\-]+)+")
_COMMENT = lazy_re.compile(r"#.*$")


def _code_lines(cell: dict[str, Any]) -> str:
    """The source without comments, spacing and line breaks: a change elsewhere can change a result."""
    return "".join("".join(_COMMENT.sub("", line).split()) for line in _text(cell.get("source")).splitlines())


def _text(value: Any) -> str:
    if isinstance(value, list):
        return "".join(str(v) for v in value)
    return value if isinstance(value, str) else ""


def _size(outs: list[dict[str, Any]]) -> int:
    """About the bytes the outputs take in the file: their text and data, without re-encoding them."""
    n = 0
    for o in outs:
        for key in ("text", "traceback"):
            v = o.get(key)
            n += (
                len(v)
                if isinstance(v, str)
                else sum(len(x) for x in v if isinstance(x, str))
                if isinstance(v, list)
                else 0
            )
        data = o.get("data")
        if isinstance(data, dict):
            for v in data.values():
                if isinstance(v, str):
                    n += len(v)
                elif isinstance(v, list):
                    n += sum(len(x) for x in v if isinstance(x, str))
                else:
                    n += len(json.dumps(v))
    return n


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
    return [
        f"{o.get('ename', 'Error')}: {o.get('evalue', '')}".strip() for o in outs if o.get("output_type") == "error"
    ]


def mask(secret: str) -> str:
    """Enough of a secret to find it, never the whole of it."""
    return secret[:4] + "…" if len(secret) > 8 else "…"


_ANY_SECRET = lazy_re.compile("|".join(f"(?:{rule.pattern})" for _, rule in SECRET_RULES))
_SECRET_HINT = lazy_re.compile(r"AKIA|ASIA|gh[pousr]_|github_pat_|xox|AIza|sk-|PRIVATE KEY|://|(?i:key|token|secret|passw)")


def secrets_in(text: str) -> list[tuple[str, str]]:
    """(rule name, masked match) for each secret-looking string in a text."""
    found: list[tuple[str, str]] = []
    if not _SECRET_HINT.search(text, 0, MAX_SECRET_SCAN_CHARS):  # one cheap pass clears almost every output
        return found
    for m in _ANY_SECRET.finditer(text, 0, MAX_SECRET_SCAN_CHARS):
        name = next((n for n, rule in SECRET_RULES if rule.fullmatch(m.group())), "secret")
        found.append((name, mask(m.group())))
    return found


def _short(text: str, limit: int = 100) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def cell_signals(c: CellDiff, old: dict[str, Any], new: dict[str, Any]) -> list[Signal]:
    """Signals of one cell of the new notebook (its matched old cell may be empty)."""
    out: list[Signal] = []
    idx = c.new_index
    if idx is None or c.status == "unchanged" or c.cell_type != "code":
        return out
    if c.status == "modified" and "outputs" not in c.changed:
        if (
            "source" in c.changed
            and "execution_count" not in c.changed
            and new.get("outputs")
            and _code_lines(old) != _code_lines(new)
        ):
            out.append(
                Signal("stale_output", idx, "source changed but outputs and execution count did not: not re-run")
            )
        return out
    old_outs, new_outs = cell_outputs(old), cell_outputs(new)
    # Only outputs that are new or changed are read (an unchanged output has nothing new).
    if c.status == "added":
        fresh = new_outs
    else:
        changed = {o.new_index for o in c.outputs or [] if o.status in ("added", "modified") and not o.transient}
        fresh = [o for k, o in enumerate(new_outs) if k in changed]
    if not fresh:
        return out
    before_err = set(_errors(old_outs))
    for e in _errors(fresh):
        if e not in before_err:
            out.append(Signal("new_error", idx, _short(e)))
    before_warn = {_WARNING_KEY.sub("#", w) for w in _warnings(old_outs)}
    for w in dict.fromkeys(_warnings(fresh)):
        if _WARNING_KEY.sub("#", w) not in before_warn:
            out.append(Signal("new_warning", idx, _short(w)))
    grew = _size(new_outs) - _size(old_outs)
    if grew > OUTPUT_GROWTH_BYTES:
        out.append(Signal("output_growth", idx, f"outputs grew by {grew / 1000:,.0f} kB"))
    found = list(dict.fromkeys(s for o in fresh for s in secrets_in(output_text(o, forms="all"))))
    if found:
        before = {s for o in old_outs for s in secrets_in(output_text(o, forms="all"))}
        for name, masked in found:
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


def _withcell_outputs(nb: dict[str, Any] | None) -> int:
    cells = nb.get("cells") if isinstance(nb, dict) else None
    return sum(1 for c in cells if isinstance(c, dict) and c.get("outputs")) if isinstance(cells, list) else 0


def _kernel(nb: dict[str, Any] | None) -> tuple[str, str]:
    meta = nb.get("metadata") if isinstance(nb, dict) else None
    meta = meta if isinstance(meta, dict) else {}
    kernelspec: dict[str, Any] = meta["kernelspec"] if isinstance(meta.get("kernelspec"), dict) else {}
    language_info: dict[str, Any] = meta["language_info"] if isinstance(meta.get("language_info"), dict) else {}
    kernel = str(kernelspec.get("name") or kernelspec.get("display_name") or "")
    lang = f"{language_info.get('name', '')} {language_info.get('version', '')}".strip()
    return kernel, lang


def _saved_by_colab(nb: dict[str, Any] | None) -> bool:
    """Colab numbers cells per runtime session and keeps them across restarts: its counts say nothing of order."""
    meta = nb.get("metadata") if isinstance(nb, dict) else None
    return isinstance(meta, dict) and ("colab" in meta or "accelerator" in meta and "gpuClass" in meta)


def _out_of_order(counts: list[tuple[int, int]]) -> list[tuple[int, int, int]]:
    """(cell, count, count before) where a count is not above the one before it."""
    # an equal count is a copied cell (it keeps its count), not a run out of order
    return [(k, b, a) for (_, a), (k, b) in zip(counts, counts[1:], strict=False) if b < a]


def _minor(version: str) -> str:
    """``python 3.10.6`` → ``python 3.10``: a patch release does not change what a notebook computes."""
    m = re.match(r"^(\S+)\s+(\d+(?:\.\d+)?)", version)
    return f"{m.group(1)} {m.group(2)}" if m else version


def _kernel_signal(d: NotebookDiff) -> list[Signal]:
    old_kernel, old_language = _kernel(d.old_nb)
    new_kernel, new_language = _kernel(d.new_nb)
    bits = []
    if old_kernel and new_kernel and old_kernel.lower() != new_kernel.lower():
        bits.append(f"kernel {old_kernel} → {new_kernel}")
    # "python" → "python 3.10.8" is a version written down, not a change; 3.10.6 → 3.10.12 is a patch
    if " " in old_language and " " in new_language and _minor(old_language) != _minor(new_language):
        bits.append(f"language {old_language} → {new_language}")
    return [Signal("kernel_changed", None, "; ".join(bits))] if bits else []


def _order_signal(d: NotebookDiff) -> list[Signal]:
    """Outputs cleared where the base had them, or counts out of order where the base's were in order."""
    if any("outputs" in c.changed for c in d.cells) and not _withcell_outputs(d.new_nb):
        before = _withcell_outputs(d.old_nb)
        if before:
            return [Signal("out_of_order", None, f"saved without outputs: the base had outputs in {before} cells")]
    if not any("execution_count" in c.changed or c.status in ("added", "removed") or c.moved for c in d.cells):
        return []
    if _saved_by_colab(d.new_nb) or _out_of_order(_counts(d.old_nb)):
        return []  # Colab's counts, or a base already out of order: not news
    return [
        Signal("out_of_order", k, f"run out of order: execution count {b} after {a}", [k])
        for k, b, a in _out_of_order(_counts(d.new_nb))
    ]


def merge_by_kind(signals: list[Signal]) -> list[Signal]:
    """One signal per kind, listing its cells (first cell as ``cell``), details joined in cell order."""
    groups: dict[str, list[Signal]] = {}
    for sig in signals:
        groups.setdefault(sig.kind, []).append(sig)
    out: list[Signal] = []
    for group in groups.values():
        listed = (sig.cells or ([sig.cell] if sig.cell is not None else []) for sig in group)
        cells = list(dict.fromkeys(c for one in listed for c in one))
        details = list(dict.fromkeys(sig.detail for sig in group))
        if len(group) == 1:
            detail = group[0].detail
        elif len(details) == 1:
            detail = f"{details[0]} ({len(cells)} cells)"
        else:
            detail = _short("; ".join(f"[{sig.cell}] {sig.detail}" if sig.cell is not None else sig.detail
                                       for sig in group), 240)
        first = group[0].cell if group[0].cell is None else (cells[0] if cells else None)
        out.append(Signal(group[0].kind, first, detail, cells))
    return out


def notebook_signals(d: NotebookDiff) -> list[Signal]:
    """The signals of a whole diff, one per kind listing its cells, only those the change introduced."""
    if d.old.empty or d.new.empty:
        return merge_by_kind([s for c in d.cells for s in cell_signals(c, {}, cell_at(d.new_nb, c.new_index))])
    out = _kernel_signal(d) + _order_signal(d)
    for c in d.cells:
        if c.status != "unchanged" and c.cell_type == "code":
            out += cell_signals(c, cell_at(d.old_nb, c.old_index), cell_at(d.new_nb, c.new_index))
    return merge_by_kind(out)
