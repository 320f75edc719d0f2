"""Comparing what matched cells hold: text, values, outputs, images."""
