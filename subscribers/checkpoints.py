"""Signed checkpoints: the consent log's head signed with the server's Ed25519 key.

A checkpoint's payload is canonical JSON (sorted keys, no spaces) naming the log, the
kind, ``seq`` and ``hash`` of the row it attests, when and with which key it was signed,
and the retention gaps it attests (``[first, last, hash of last]``). The retention purge
signs its gaps in its own transaction; the very first checkpoint attests the gaps that
purges left before the log was signed; later gaps can enter only through a signed purge.

A checkpoint is written every night (``nightly_check``, after the stored log verified)
and at every export (for the export's last row). Before signing, the stretch of the log
from the previous checkpoint is verified against it, so the server never signs a stretch
that no longer matches what it signed before.

``Attested`` is the set of checkpoints one verification trusts: those whose signature
verifies with a configured key valid on the day it signed. Rows are then checked against
the hashes the checkpoints name (``chain.verify(signed=...)``) and gaps are bridged only
where a checkpoint attests them.
"""

import base64
import binascii
import json
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.formats import date_format
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

import alerts.services
import audit

from . import chain, signing
from .models import ChainHead, ConsentEvent, SignedCheckpoint

logger = logging.getLogger(__name__)
LOG_NAME = "titz-consent-log"
Kind = SignedCheckpoint.Kind


class NotSigned(Exception):
    """The stored log does not match its checkpoints: nothing is signed (``verdict`` says why)."""

    def __init__(self, verdict: chain.Verdict):
        super().__init__(str(verdict))
        self.verdict = verdict


def payload(*, kind, seq, row_hash, signed_at, key_id, gaps) -> str:
    document = {
        "log": LOG_NAME,
        "kind": kind,
        "seq": seq,
        "hash": row_hash,
        "signed_at": chain.format_time(signed_at),
        "key": key_id,
        "gaps": gaps,
    }
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def described(checkpoint: SignedCheckpoint) -> dict:
    """How a checkpoint goes into an export: exactly the signed text and its signature."""
    return {"payload": checkpoint.payload, "signature": checkpoint.signature}


@dataclass
class Attested:
    """Checkpoints whose signatures verified: the hashes and gaps they vouch for."""

    hashes: dict = field(default_factory=dict)
    gaps: chain.Gaps = field(default_factory=chain.Gaps)
    last: dict | None = None
    count: int = 0

    @classmethod
    def read(cls, entries: Iterable[Mapping]) -> "Attested":
        """Check each ``{"payload", "signature"}``; raise ``NotSigned`` at the first forged one."""
        keys = {key.id: key for key in signing.trusted_keys()}
        attested = cls()
        for number, entry in enumerate(entries, start=1):
            try:
                text, signature = str(entry["payload"]), base64.b64decode(entry["signature"])
                document = json.loads(text)
                seq, row_hash = int(document["seq"]), str(document["hash"])
                signed_at = parse_datetime(document["signed_at"])
                key = keys.get(document["key"])
                valid = (
                    document["log"] == LOG_NAME
                    and key is not None
                    and signed_at is not None
                    and key.covers(signed_at)
                    and key.verifies(text.encode(), signature)
                )
            except (KeyError, TypeError, ValueError, binascii.Error):
                valid = False
            if not valid:
                reason = _(
                    "signed checkpoint %(number)d has no valid signature of this municipality's key"
                ) % {"number": number}
                raise NotSigned(chain.Verdict(False, 0, None, reason))
            if attested.hashes.get(seq, row_hash) != row_hash:
                reason = _("two signed checkpoints name different hashes for one entry")
                raise NotSigned(chain.Verdict(False, 0, seq, reason))
            attested.hashes[seq] = row_hash
            attested.gaps.add_checkpoint(document)
            if attested.last is None or (seq, document["signed_at"]) > (
                attested.last["seq"],
                attested.last["signed_at"],
            ):
                attested.last = document
            attested.count += 1
        return attested

    @classmethod
    def stored(cls) -> "Attested":
        return cls.read(described(checkpoint) for checkpoint in SignedCheckpoint.objects.all())

    def sentence(self) -> str:
        """What the verdict says about the signature, for an auditor."""
        if self.last is None:
            return _("Not signed: no signed checkpoint exists yet.")
        return _(
            "Signed: the checkpoint of %(date)s attests the log up to entry no. %(seq)d "
            "(key %(key)s)."
        ) % {
            "date": date_format(
                timezone.localtime(parse_datetime(self.last["signed_at"])), "DATETIME_FORMAT"
            ),
            "seq": self.last["seq"],
            "key": self.last["key"],
        }


def _bracket(seq: int) -> tuple[SignedCheckpoint | None, SignedCheckpoint | None]:
    """The checkpoints just before (at most ``seq``) and just after ``seq``."""
    before = SignedCheckpoint.objects.filter(seq__lte=seq).order_by("-seq", "-signed_at").first()
    after = SignedCheckpoint.objects.filter(seq__gt=seq).order_by("seq", "signed_at").first()
    return before, after


def sign(seq: int, kind: str, *, now: datetime | None = None, gaps=()) -> SignedCheckpoint:
    """Sign row ``seq`` as the log holds it, once its stretch verifies; ``gaps`` new ones.

    The stretch runs from the previous checkpoint to the next (or to ``seq``), so a row
    changed and re-hashed anywhere around ``seq`` is refused with ``NotSigned`` instead of
    being signed. The first checkpoint verifies the whole log and attests every gap the
    unsigned log holds.
    """
    now = now or timezone.now()
    with transaction.atomic():
        ChainHead.objects.select_for_update().filter(pk=1).first()
        attested = Attested.stored()
        new_gaps = [list(gap) for gap in gaps]
        if attested.last is None:
            kind = Kind.FIRST if kind == Kind.DAILY else kind
            bootstrap = chain.checkpoint_gaps()
            bootstrap.add_checkpoint({"gaps": new_gaps})
            new_gaps = bootstrap.runs()
        bridged = chain.Gaps()
        bridged.add_checkpoint({"gaps": new_gaps})
        bridged.merge(attested.gaps)
        before, after = _bracket(seq)
        end = after.seq if after else seq
        start = (before.seq, before.hash) if before else None
        filters = {"seq__gte": before.seq + 1} if before else {}
        verdict = chain.verify(
            chain.database_rows(seq__lte=end, **filters),
            bridged,
            signed=attested.hashes,
            start=start,
        )
        if not verdict.ok:
            raise NotSigned(verdict)
        row = ConsentEvent.objects.filter(seq=seq).values_list("hash", flat=True).first()
        if row is None:
            raise NotSigned(chain.Verdict(False, 0, seq, _("the entry is not in the stored log")))
        if attested.hashes.get(seq, row) != row:  # the stretch starts after a checkpoint's row
            reason = _("the entry differs from what the signed checkpoint attests")
            raise NotSigned(chain.Verdict(False, 0, seq, reason))
        key_id = signing.current_key().id
        text = payload(
            kind=kind, seq=seq, row_hash=row, signed_at=now, key_id=key_id, gaps=new_gaps
        )
        _key, signature = signing.sign(text.encode())
        return SignedCheckpoint.objects.create(
            seq=seq,
            hash=row,
            kind=kind,
            signed_at=now,
            key_id=key_id,
            payload=text,
            signature=signature,
        )


def sign_head(kind: str, *, now: datetime | None = None) -> SignedCheckpoint | None:
    head = ConsentEvent.objects.order_by("-seq").values_list("seq", flat=True).first()
    return None if head is None else sign(head, kind, now=now)


def verify_database(*, now: datetime | None = None) -> chain.Verdict:
    """The whole stored log against its signed checkpoints and the chain head.

    Fails on a forged checkpoint, a row that differs from what a checkpoint attests (a row
    changed and re-hashed after it was signed), a gap no checkpoint attests, a log that
    ends before its head or its last checkpoint, and entries left unsigned for longer than
    ``CONSENT_CHECKPOINT_MAX_AGE_HOURS`` (the nightly check signs every day). A log that
    was never signed verifies as before, marked as not signed.
    """
    now = now or timezone.now()
    try:
        attested = Attested.stored()
    except NotSigned as refused:
        return refused.verdict
    if attested.last is None:
        verdict = chain.verify(chain.database_rows(), chain.checkpoint_gaps())
    else:
        verdict = chain.verify(chain.database_rows(), attested.gaps, signed=attested.hashes)
    if not verdict.ok:
        return verdict
    last = ConsentEvent.objects.order_by("-seq").values("seq", "hash").first()
    last_seq = last["seq"] if last else 0
    head = ChainHead.objects.filter(pk=1).first()
    if head and head.seq and (last is None or (last["seq"], last["hash"]) != (head.seq, head.hash)):
        reason = _("entries at the end of the log are missing")
        return chain.Verdict(False, verdict.rows, head.seq, reason)
    if attested.hashes and max(attested.hashes) > last_seq:
        reason = _("the log ends before its signed checkpoint at entry no. %(seq)d") % {
            "seq": max(attested.hashes)
        }
        return chain.Verdict(False, verdict.rows, last_seq + 1, reason)
    if attested.last is not None and last_seq > attested.last["seq"]:
        signed_at = parse_datetime(attested.last["signed_at"])
        allowed = timedelta(hours=settings.CONSENT_CHECKPOINT_MAX_AGE_HOURS)
        if now - signed_at > allowed:
            reason = _(
                "the entries after no. %(seq)d are not signed, and the last checkpoint is "
                "older than %(hours)d hours (checkpoints are missing or were removed)"
            ) % {"seq": attested.last["seq"], "hours": settings.CONSENT_CHECKPOINT_MAX_AGE_HOURS}
            return chain.Verdict(False, verdict.rows, attested.last["seq"] + 1, reason)
    verdict.signed = attested.last is not None
    verdict.signature = attested.sentence()
    return verdict


ALERT_KEY = "consent-log-check"


def nightly_check(*, now: datetime | None = None) -> chain.Verdict:
    """Verify the stored log, then sign its head; the verdict is the night's result.

    A failing verdict (``ok`` False) alerts the approvers (``alerts``: mail and banner
    until a later night passes again), is logged as an error and audited, and nothing is
    signed, so the broken state is never vouched for.
    """
    verdict = verify_database(now=now)
    if verdict.ok:
        try:
            sign_head(Kind.DAILY, now=now)
        except NotSigned as refused:
            verdict = refused.verdict
    if verdict.ok:
        logger.info("consent log verified and signed: %s", verdict)
        alerts.services.resolve(ALERT_KEY)
    else:
        logger.error("consent log check failed: %s", verdict)
        alerts.services.raise_alert(
            ALERT_KEY,
            gettext_lazy("Nightly consent-log check failed"),
            format_lazy(
                gettext_lazy(
                    "The stored consent log no longer matches its signed checkpoints, so it "
                    "was not signed tonight. Please inform the data-protection officer. "
                    "Result of the check: {verdict}"
                ),
                verdict=str(verdict),
            ),
            reverse("admin:subscribers_consentevent_verify"),
        )
    audit.record(
        None,
        "consent_log_nightly_check",
        "",
        ok=verdict.ok,
        broken_seq=verdict.broken_seq,
        rows=verdict.rows,
        reason=str(verdict),
    )
    return verdict
