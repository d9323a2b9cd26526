"""Implementations of the `tocsin` sub-commands; bot/cli.py parses the arguments."""
