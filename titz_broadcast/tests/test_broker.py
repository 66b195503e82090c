"""The embedded broker: messages appear whole, so a fast-polling worker never reads half
a file."""

import threading

from kombu import Connection

from titz_broadcast.broker import INCOMING, Transport


def _connection(folder):
    options = {
        "data_folder_in": str(folder),
        "data_folder_out": str(folder),
        "control_folder": str(folder / "control"),
        "polling_interval": 0.01,
    }
    return Connection("filesystem://", transport=Transport, transport_options=options)


def test_messages_written_while_a_consumer_polls_arrive_whole_and_once(tmp_path):
    count = 300
    payload = {"text": "x" * 20_000}  # large enough that a non-atomic write is visible
    received = []

    def consume():
        with _connection(tmp_path) as conn:
            queue = conn.SimpleQueue("default")
            while len(received) < count:
                message = queue.get(timeout=10)
                received.append(message.payload["n"])
                message.ack()

    consumer = threading.Thread(target=consume)
    consumer.start()
    with _connection(tmp_path) as conn:
        queue = conn.SimpleQueue("default")
        for n in range(count):
            queue.put({**payload, "n": n})
    consumer.join(timeout=60)

    assert sorted(received) == list(range(count))  # each once; same-ms order is not kept
    leftovers = [p.name for p in tmp_path.iterdir() if p.name.endswith(".msg")]
    assert leftovers == []
    assert list((tmp_path / INCOMING).iterdir()) == []


def test_processes_declaring_queues_at_once_never_read_a_half_written_table(tmp_path):
    """Web, worker and beat all declare their queues when they start."""
    errors = []

    def declare():
        try:
            for _ in range(100):
                with _connection(tmp_path) as conn:
                    conn.SimpleQueue("default").put({"n": 1})
        except Exception as error:  # collected: a thread's exception would be lost
            errors.append(error)

    threads = [threading.Thread(target=declare) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
