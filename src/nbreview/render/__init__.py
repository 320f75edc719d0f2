"""Renderers: plain functions over a NotebookDiff. None of them re-aligns anything."""
