"""Reading and writing: notebooks from files and git, atomic writes, the one git runner."""
