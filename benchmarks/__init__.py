"""Benchmarks: how fast the bot answers, each figure against the floor of its layer.

Run `python -m benchmarks [--quick]`; see BENCHMARKS.md. A script that prints figures, never a test:
nothing here asserts a speed.
"""
