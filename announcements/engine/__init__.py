"""The delivery engine: from an approved announcement to one message per subscriber.

- ``fanout``: one ``INSERT ... SELECT`` creates the deliveries; ``planner`` spreads them
  over days when Meta's messaging limit requires it.
- ``dispatch``: the periodic ``tick`` (start, retries, lost tasks, finish) and the batch
  tasks' lanes.
- ``sending``: claim, send, record (the batch task's body), paced by
  ``whatsapp.ratelimit``, which the replies to residents share.
- ``statuses``: status webhooks applied in bulk, forward only.
- ``sweeper``: claims left behind by a dead worker.
"""
