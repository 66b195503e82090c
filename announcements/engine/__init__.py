"""The delivery engine: from an approved announcement to one message per subscriber.

- ``fanout``: one ``INSERT ... SELECT`` creates the deliveries; ``planner`` spreads them
  over days when Meta's messaging limit requires it.
- ``dispatch``: the periodic ``tick`` (start, retries, lost tasks, finish) and the batch
  tasks' lanes.
- ``sending``: claim, send, record (the batch task's body).
- ``ratelimit``: the per-number pacing shared by all workers, and the pair limit.
- ``statuses``: status webhooks applied in bulk, forward only.
- ``sweeper``: claims left behind by a dead worker.
"""
