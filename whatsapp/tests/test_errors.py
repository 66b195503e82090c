"""Classification of every Cloud API error code we know, and the staff explanations."""

import pytest

from whatsapp import errors
from whatsapp.exceptions import (
    AccountError,
    PairRateLimitError,
    RecipientError,
    RequestError,
    ThroughputError,
    TransientError,
)

EXPECTED = {
    TransientError: [1, 2, 4, 80007, 131000, 131016, 131057],
    ThroughputError: [130429],
    PairRateLimitError: [131056],
    AccountError: [
        190,
        200,
        250,
        299,
        368,
        131031,
        131042,
        131048,
        131064,
        131005,
        131045,
        133010,
        131063,
        131037,
    ],
    RecipientError: [131026, 131047, 131049, 131050, 130472, 130497, 130403, 131021, 131062],
    RequestError: [
        100,
        131008,
        131009,
        131051,
        131053,
        132000,
        132001,
        132005,
        132007,
        132012,
        132015,
        132016,
        135000,
    ],
}
CASES = [(code, cls) for cls, codes in EXPECTED.items() for code in codes]
# Section 3.2 of the research notes plus the codes seen elsewhere in it.
DOCUMENTED = sorted({code for code, _ in CASES} | {131052, 131060})


@pytest.mark.parametrize(("code", "cls"), CASES)
def test_every_known_code_maps_to_its_class(code, cls):
    error = errors.classify({"code": code, "message": f"(#{code}) title"}, 400)
    assert type(error) is cls
    assert error.code == code and error.http_status == 400 and not error.unknown
    assert (error.retry_after is not None) == issubclass(cls, TransientError)


@pytest.mark.parametrize("code", DOCUMENTED)
def test_every_documented_code_has_its_own_german_explanation(code):
    text = errors.explain(code)
    assert "Unbekannter WhatsApp-Fehler" not in text
    assert len(text) > 20


def test_explanations_are_distinct_enough():
    """Exactly these codes share a text; every other documented code has one of its own.

    A count ("at most three shared") would let a new code silently reuse a neighbour's
    text; naming the groups makes each shared meaning a decision.
    """
    texts = {errors.explain(code) for code in DOCUMENTED}
    assert len(texts) >= len(DOCUMENTED) - 3  # a few codes share a meaning (131051/131060)
    codes_by_text = {}
    for code in DOCUMENTED:
        codes_by_text.setdefault(errors.explain(code), []).append(code)
    shared = sorted(codes for codes in codes_by_text.values() if len(codes) > 1)
    # 250 and 299 are in Meta's 2xx permission range, explained as 200; 131051 and
    # 131060 both mean an unsupported message type.
    assert shared == [[200, 250, 299], [131051, 131060]]
    assert len(texts) == len(DOCUMENTED) - 3


def test_meta_error_response_carries_details_and_trace():
    error = errors.classify(
        {
            "message": "(#130429) Rate limit hit",
            "type": "OAuthException",
            "code": 130429,
            "error_data": {"messaging_product": "whatsapp", "details": "Throughput reached."},
            "error_subcode": 2494055,
            "fbtrace_id": "TRACE1",
        },
        400,
    )
    assert isinstance(error, ThroughputError)
    assert error.details == "Throughput reached." and error.fbtrace_id == "TRACE1"
    assert 1 <= error.retry_after <= 2
    assert "Versandlimit" in error.explanation


def test_suggested_delays():
    assert errors.classify({"code": 131057}, 500).retry_after == 60
    assert errors.classify({"code": 131056}, 400).retry_after >= 6


@pytest.mark.parametrize("status", [500, 502, 503, 504, None])
def test_no_code_with_server_error_or_network_failure_is_transient(status):
    error = errors.classify(None, status)
    assert type(error) is TransientError and error.code is None and not error.unknown


def test_429_without_body_slows_down():
    assert type(errors.classify(None, 429)) is ThroughputError


def test_4xx_without_meta_error_is_retried_only_a_few_times():
    error = errors.classify(None, 404)
    assert isinstance(error, TransientError) and error.unknown


def test_unknown_code_is_transient_marked_and_logged(caplog):
    error = errors.classify({"code": 999999}, 400)
    assert type(error) is TransientError and error.unknown
    assert errors.MAX_UNKNOWN_RETRIES == 3
    assert "999999" in caplog.text
    assert "999999" in error.explanation


def test_code_as_string_is_understood():
    assert isinstance(errors.classify({"code": "131026"}, 400), RecipientError)


def test_network_error():
    error = errors.network_error(TimeoutError())
    assert type(error) is TransientError and error.code is None and error.retry_after
