"""Command-line adapters: thin layers over the library API, one module per command."""
