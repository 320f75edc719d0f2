"""git integration: the diff driver, textconv, difftool, merge-driver labels, notebook history, install."""
