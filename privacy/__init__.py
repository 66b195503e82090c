"""Data protection: the store table, the retention purges, the officer's documents.

``stores`` lists every store of personal data with its retention rule; the purge task
(``tasks``) and the generated documents (``documents``) read that one table, so the paper
the municipality hands its data-protection officer says what the code does.
"""
