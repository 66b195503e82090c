"""Set-based deletes in bounded batches, for the retention purges.

A purge may find a million rows (the deliveries of a large broadcast). One ``DELETE`` of
all of them would hold its locks, and grow the WAL, for as long as it runs; a batch of ids
at a time keeps each statement short, and ``max_batches`` bounds one run (the next run of
the beat entry continues).
"""

from django.db import models

BATCH = 5000
MAX_BATCHES = 1000


def delete_in_batches(queryset, *, batch=BATCH, max_batches=MAX_BATCHES) -> int:
    """Delete the rows of ``queryset`` ``batch`` ids at a time; the number deleted.

    The deletes go through a plain ``QuerySet`` of the model: the append-only managers of
    the audit and consent logs refuse ``delete()`` everywhere but in their purges, which
    call this. Models with relations or signals still get Django's collector.
    """
    model = queryset.model
    plain = models.QuerySet(model)
    deleted = 0
    for _ in range(max_batches):
        ids = list(queryset.order_by().values_list("pk", flat=True)[:batch])
        if not ids:
            break
        plain.filter(pk__in=ids).delete()
        deleted += len(ids)
    return deleted
