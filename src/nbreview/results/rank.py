"""The order of changed numbers every surface reads: what a reviewer judges a change by comes first.

Computed with the results (``compute_results`` stores ``Results.numbers`` in this order, so the
JSON agrees with the terminal, the page and the comment); ``view.results`` re-exports it.
"""

from __future__ import annotations

from nbreview import lazy_re
from nbreview.results.model import NumberChange, Results

# what a reviewer judges a change by: metrics first (accuracy, loss, error, F1, AUC, R², p-values, counts of rows)
_METRIC = lazy_re.compile(
    r"(?i)acc(?:uracy)?|loss|score|error|\berr\b|precision|recall|\bf1\b|f-?score|\bauc\b|roc|r²|r2\b|r\^2|"
    r"rmse|\bmae\b|\bmse\b|mape|smape|mase|p[-_ ]?value|\bp\b|perplexity|ppl|bleu|rouge|iou|\bdice\b|"
    r"correlation|matthews|kappa|inertia|silhouette|likelihood|entropy|\brows?\b|\bcount\b|\bsamples?\b"
)
RANK_CLASSES = ("metric", "table cell", "value")
PER_CELL = 4  # changes of one cell listed before the other cells' changes get their turn


def rank_class(n: NumberChange) -> int:
    """0 a metric-like label, 1 a table cell, 2 any other value (the order of the Results list)."""
    label = n.column if n.row is not None and n.column else n.label
    if _METRIC.search(label or ""):
        return 0
    return 1 if n.row is not None else 2


def ranked(results: Results) -> list[NumberChange]:
    """Metrics, then table cells, then other values; by size of relative change within a class (from
    zero first, text cells last); within a class at most ``PER_CELL`` of one cell before every other
    cell has had its turn, so one chatty cell cannot fill the list. Stable."""

    def size(n: NumberChange) -> float:
        r = n.relative
        return -1.0 if r is None else abs(r)

    out: list[NumberChange] = []
    for cls in range(len(RANK_CLASSES)):
        first: list[NumberChange] = []
        later: list[NumberChange] = []
        seen: dict[int, int] = {}
        for n in sorted((n for n in results.numbers if rank_class(n) == cls), key=lambda n: -size(n)):
            seen[n.cell] = seen.get(n.cell, 0) + 1
            (first if seen[n.cell] <= PER_CELL else later).append(n)
        out += first + later
    return out
