"""Official warnings from the federal NINA API, imported as announcements (issue 15).

Which module holds what: ``client`` talks to the API, ``cap`` reads its answers,
``filters`` keeps what concerns the municipality, ``importer`` decides what becomes of
each warning and carries it out through ``announcements.services``, ``health`` remembers
failed polls, ``notify`` writes to the approvers, ``tasks`` is the beat task.
"""
