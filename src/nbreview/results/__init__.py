"""Results review: the numbers, tables and warnings that changed, computed once per diff.

``compute.compute_results`` fills :class:`~nbreview.results.model.Results` from a diff;
:func:`nbreview.results.pipeline.diff` attaches it as ``NotebookDiff.results`` (the engine never
imports this package); ``view`` decides what every renderer shows.
"""
