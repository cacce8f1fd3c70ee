"""Shipped model cards (TOML data files); see README.md in this folder."""
