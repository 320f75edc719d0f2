"""git's textconv for ``*.ipynb``: a notebook as stable text, for ``git log -p`` and ``git show``.

git line-diffs what this gives. It never fails: a file that is not a readable notebook
(conflict markers, a git-lfs pointer) is given as it is, after a one-line notice.
"""

from __future__ import annotations


def textconv(path: str) -> bytes:
    """The text git diffs for the notebook at ``path`` (UTF-8); never raises."""
    from nbreview.io.load import read_path
    from nbreview.render.plaintext import notebook_text
    from nbreview.render.terminal import clean

    try:
        text = notebook_text(read_path(path).nb)
    except Exception as err:  # noqa: BLE001 - git must always get text back
        try:
            with open(path, "rb") as fh:
                raw = fh.read()
        except OSError:
            raw = b""
        detail = " ".join(str(err).split()).replace(path, "file")
        notice = f"# nbreview: not shown as a notebook ({clean(detail)}); raw text follows\n"
        return notice.encode() + clean(raw.decode("utf-8", errors="replace")).encode()
    return text.encode("utf-8", errors="replace")
