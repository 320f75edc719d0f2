"""git integration: drivers, difftool/mergetool glue and the one-command install."""
