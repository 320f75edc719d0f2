"""Results review: the numbers, tables and warnings that changed, computed once per diff.

``compute.compute_results`` fills :class:`~nbreview.results.model.Results` from a diff; the
engine attaches it as ``NotebookDiff.results``; ``view`` decides what every renderer shows.
"""
