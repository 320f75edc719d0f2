"""The diff engine: load → align → compare → model, and patch back."""
