"""Prices as a pure function of rules, sizes and formats."""
