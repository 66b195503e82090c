"""The delivery engine: from an approved announcement to one message per subscriber.

- ``fanout``: one ``INSERT ... SELECT`` creates the deliveries; ``planner`` spreads them
  over days when Meta's messaging limit requires it.
- ``scheduler``: the periodic ``tick`` (start, retries, lost tasks, finish) and the batch
  tasks' lanes.
- ``sending``: claim, send, record (the batch task's body), paced by
  ``whatsapp.ratelimit``, which the replies to residents share.
- ``statuses``: status webhooks applied in bulk, forward only.
- ``sweeper``: claims left behind by a dead worker.
- ``deliveries``: every status change of a delivery (the order, the moves, their SQL).

The modules decide and return what should happen (``scheduler.TickResult``,
``sending.BatchResult``); ``announcements.tasks`` queues the work. Dependencies point one
way: tasks → engine → models, and nothing here imports the tasks.
"""
