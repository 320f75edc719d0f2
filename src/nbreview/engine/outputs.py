"""Outputs of a matched cell: aligned output by output, then compared by kind."""

from __future__ import annotations

import json
from difflib import SequenceMatcher

from nbreview.engine.content import is_raster
from nbreview.engine.model import MISSING, MimeDiff, OutputDiff
from nbreview.engine.options import DiffOptions
from nbreview.engine.text import diff_text
from nbreview.engine.values import diff_values

TYPE_CHECKING = False  # not typing's: a git diff driver imports this module, and typing costs it ~3 ms

if TYPE_CHECKING:
    from typing import Any

    from nbreview.engine.model import Status

    Output = dict[str, Any]


def output_key(out: Any) -> str:
    """What must agree for two outputs to be aligned with each other."""
    if not isinstance(out, dict):
        return "?"
    otype = str(out.get("output_type", "?"))
    if otype == "stream":
        return f"stream:{out.get('name', '')}"
    if otype == "error":
        return f"error:{out.get('ename', '')}"
    if otype in ("display_data", "execute_result"):
        data = out.get("data")
        kinds = sorted(data) if isinstance(data, dict) else []
        return f"rich:{','.join(kinds)}"
    return otype


def align_outputs(old: list[Any], new: list[Any]) -> list[tuple[int | None, int | None]]:
    """Pairs of output indices in order; unpaired outputs are added or removed."""
    if len(old) == len(new) and [output_key(o) for o in old] == [output_key(o) for o in new]:
        return [(i, i) for i in range(len(old))]
    old_keys = [output_key(o) for o in old]
    new_keys = [output_key(o) for o in new]
    pairs: list[tuple[int | None, int | None]] = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, old_keys, new_keys, autojunk=False).get_opcodes():
        if tag == "equal":
            pairs.extend((i1 + k, j1 + k) for k in range(i2 - i1))
            continue
        # Inside a replaced block, pair outputs of the same output_type in order.
        new_run = list(range(j1, j2))
        for i in range(i1, i2):
            otype = old[i].get("output_type") if isinstance(old[i], dict) else None
            match = next((j for j in new_run if isinstance(new[j], dict) and new[j].get("output_type") == otype), None)
            if match is None:
                pairs.append((i, None))
                continue
            for j in new_run[: new_run.index(match)]:
                pairs.append((None, j))
            pairs.append((i, match))
            new_run = new_run[new_run.index(match) + 1 :]
        pairs.extend((None, j) for j in new_run)
    return pairs


def _text_of(value: Any) -> str:
    if isinstance(value, list):
        return "".join(str(v) for v in value)
    if isinstance(value, str):
        return value
    return json.dumps(value, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def _is_textual(mime: str, value: Any) -> bool:
    return isinstance(value, (str, list)) and (
        mime.startswith("text/") or mime in ("image/svg+xml", "application/javascript") or not is_raster(mime)
    )


def diff_mime(mime: str, old: Any, new: Any, options: DiffOptions) -> MimeDiff:
    if old is MISSING or new is MISSING:
        status: Status = "added" if old is MISSING else "removed"
        kind = (
            "image" if is_raster(mime) else ("text" if _is_textual(mime, new if old is MISSING else old) else "value")
        )
        return MimeDiff(mime, status, kind, identical=False)  # type: ignore[arg-type]
    if old == new:
        kind = "image" if is_raster(mime) else ("text" if _is_textual(mime, new) else "value")
        return MimeDiff(mime, "unchanged", kind)  # type: ignore[arg-type]
    if is_raster(mime):
        from nbreview.engine.images import compare_images  # (Pillow's adapter) only for a changed image

        img = compare_images(old, new)
        return MimeDiff(mime, "unchanged" if img.pixels_equal else "modified", "image", image=img, identical=False)
    text = diff_text(_text_of(old), _text_of(new), options.ignore_whitespace, volatile=True)
    kind = "text" if _is_textual(mime, new) else "value"
    status = "modified" if text.changed else "unchanged"
    return MimeDiff(mime, status, kind, text=text, identical=False, transient=text.transient)  # type: ignore[arg-type]


def _output_transient(path: list[str | int]) -> bool:
    return bool(path) and path[0] in ("execution_count", "transient")


def diff_output(old: Output, new: Output, old_index: int, new_index: int, options: DiffOptions) -> OutputDiff:
    otype = str(new.get("output_type", ""))
    if old == new:
        return OutputDiff("unchanged", old_index, new_index, otype)
    if old.get("output_type") != new.get("output_type"):
        return OutputDiff("modified", old_index, new_index, otype, fields=diff_values(old, new), value=new)
    result = OutputDiff("modified", old_index, new_index, otype, value=new)
    skip: set[str] = {"output_type"}
    if otype == "stream":
        skip.add("text")
        result.text = diff_text(
            _text_of(old.get("text", "")), _text_of(new.get("text", "")), options.ignore_whitespace, volatile=True
        )
    elif otype == "error":
        skip.add("traceback")
        result.text = diff_text(
            "\n".join(old.get("traceback", [])) + "\n",
            "\n".join(new.get("traceback", [])) + "\n",
            options.ignore_whitespace,
            volatile=True,
        )
    elif otype in ("display_data", "execute_result"):
        skip.add("data")
        old_data = old.get("data") if isinstance(old.get("data"), dict) else {}
        new_data = new.get("data") if isinstance(new.get("data"), dict) else {}
        assert isinstance(old_data, dict) and isinstance(new_data, dict)
        for mime in list(new_data) + [m for m in old_data if m not in new_data]:
            result.mimes.append(diff_mime(mime, old_data.get(mime, MISSING), new_data.get(mime, MISSING), options))
    rest_old = {k: v for k, v in old.items() if k not in skip}
    rest_new = {k: v for k, v in new.items() if k not in skip}
    result.fields = diff_values(rest_old, rest_new, [], _output_transient)
    text_changed = result.text is not None and result.text.changed
    changed_mimes = [m for m in result.mimes if m.status != "unchanged"]
    if not text_changed and not changed_mimes and not result.fields:
        result.status = "unchanged"  # byte-different, content-equal (re-encoded image, key order)
        result.transient = True
        return result
    parts = [m.transient for m in changed_mimes] + [c.transient for c in result.fields]
    if text_changed:
        parts.append(result.text.transient if result.text else False)
    result.transient = all(parts)
    return result


def diff_outputs(old: list[Any], new: list[Any], options: DiffOptions) -> list[OutputDiff]:
    diffs: list[OutputDiff] = []
    for old_index, new_index in align_outputs(old, new):
        if old_index is None:
            assert new_index is not None
            out = new[new_index]
            diffs.append(
                OutputDiff(
                    "added",
                    None,
                    new_index,
                    str(out.get("output_type", "")) if isinstance(out, dict) else "",
                    mimes=_whole_mimes(out, "added"),
                    value=out,
                )
            )
        elif new_index is None:
            out = old[old_index]
            diffs.append(
                OutputDiff(
                    "removed",
                    old_index,
                    None,
                    str(out.get("output_type", "")) if isinstance(out, dict) else "",
                    mimes=_whole_mimes(out, "removed"),
                )
            )
        elif isinstance(old[old_index], dict) and isinstance(new[new_index], dict):
            diffs.append(diff_output(old[old_index], new[new_index], old_index, new_index, options))
        else:
            diffs.append(OutputDiff("modified", old_index, new_index, "", value=new[new_index]))
    return diffs


def _whole_mimes(out: Any, status: Status) -> list[MimeDiff]:
    if not isinstance(out, dict) or not isinstance(out.get("data"), dict):
        return []
    return [
        MimeDiff(m, status, "image" if is_raster(m) else ("text" if _is_textual(m, v) else "value"), identical=False)
        for m, v in out["data"].items()
    ]
