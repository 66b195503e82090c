"""Benchmarks of the delivery engine against the simulator, PostgreSQL and Redis.

``python -m bench`` (``make bench``) runs the four measurements of issue 5 and prints one
JSON object; ``--quick`` runs them at a tenth of the sizes. They are measurements, not
tests: nothing here asserts, the figures go into the README.
"""
