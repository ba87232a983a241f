"""Skriptoteket stand-in: the deploy contract of the real app in a few small modules."""
