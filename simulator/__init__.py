"""A fake WhatsApp Cloud API and phone, for development, tests and benchmarks.

``python -m simulator --port 8001`` serves, on loopback:

- Meta's Graph routes the app uses: ``POST /<version>/<phone_number_id>/messages`` and
  ``/media``, ``GET /<version>/<waba_id>/message_templates``, with Meta's bodies and errors;
- signed status webhooks (sent, delivered, read, failed) to ``SIMULATOR_WEBHOOK_URL``;
- fault injection (130429, 131000/2, slow answers, timeouts, 131026, 131056);
- a control API under ``/_sim/`` (messages, stats, config, reset, inbound) and a phone
  page at ``/`` that writes "Start"/"Stop" to the app and shows what the phone received.

Tests use ``tests.fixtures.simulator.running_simulator`` or its ``simulator`` fixture.
"""
