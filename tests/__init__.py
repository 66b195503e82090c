"""Test infrastructure shared by every app's tests, the E2E journeys and the benchmarks.

Standard library only at import time (see ``fixtures/processes.py``): the production
smoke test imports from here with the runtime requirements alone.
"""
