"""End-to-end journeys: the real stack in subprocesses, driven through headless Chromium."""
