"""OCPP 1.6J transaction ids from NATS JetStream, for gateways (``ocpp-meter serve --broker``).

A 1.6 StartTransaction must be answered with its ``transactionId`` before any worker has stored
it, and gateways share nothing but the broker. So the id comes from the broker: the
JetStream key-value bucket :data:`BUCKET` (its stream ``KV_OCPP_16_TRANSACTIONS``, replicated
as the meter stream is), one key per StartTransaction:

- key: 32 hex digits of BLAKE2b over the station id, the message id and the request's
  timestamp (the SQLite and PostgreSQL stores' unique key, so a resend is known the same way);
- value: JSON ``{"station_id", "message_id", "started_at", "connector_id", "id_tag"}``;
- the transaction id is the key's revision: the sequence number the bucket's stream gave the
  message that created it. A stream's sequence numbers grow by one per message stored, on
  every node alike (Raft), and are never handed out twice, so ids are unique across every
  gateway; gaps are harmless.

The key is created with "only if absent" (the ``Nats-Expected-Last-Subject-Sequence: 0`` of
the key-value ``create``): of two gateways given the same StartTransaction at once (a station
that reconnected elsewhere), one creates it and the other reads its revision. A StartTransaction
sent again (its answer lost to a connection or a gateway that died) finds its key and gets the
same id for as long as the key lives (:data:`KEY_TTL`, 30 days; the stream's own deduplication
window, two minutes, would be too short for a station that comes back the next day). A key
that expired frees its storage, not its number: the next id is still higher.

The value tells a StopTransaction's gateway the connector of the transaction: the message with
sequence number ``transactionId`` is read back directly, and used if it is that station's.

Ids stop at :data:`~ocpp_meter.transaction_ids.MAX_TRANSACTION_ID` (2147483647, 1.6's 32-bit
``integer``): past it the StartTransaction is answered ``InternalError``. The bucket's stream
must therefore never be deleted and recreated (its sequence would start again at 1); purging
keys is harmless.
"""

from __future__ import annotations

import hashlib
import importlib
import json
from functools import partial
from typing import Any

from .broker import create_unless_present, when_jetstream_answers
from .transaction_ids import MAX_TRANSACTION_ID, check_transaction_id

__all__ = ["BUCKET", "KEY_TTL", "BrokerTransactionIds", "start_key"]

BUCKET = "OCPP_16_TRANSACTIONS"
KEY_TTL = 30 * 86_400.0
"""Seconds a StartTransaction's key (and so its idempotence) lives."""


def start_key(station_id: str, message_id: str, started_at: str) -> str:
    """The bucket key of a StartTransaction (``started_at`` its timestamp as stored)."""
    digest = hashlib.blake2b(digest_size=16)
    for part in (station_id, message_id, started_at):
        digest.update(part.encode())
        digest.update(b"\0")
    return digest.hexdigest()


class BrokerTransactionIds:
    """A :class:`~ocpp_meter.transaction_ids.TransactionIdSource` on the gateway's NATS
    connection (owned by its publisher); :meth:`open` makes sure the bucket exists."""

    def __init__(self, js: Any, kv: Any) -> None:
        self._js = js
        self._kv = kv
        self._stream = f"KV_{BUCKET}"

    @classmethod
    async def open(
        cls, nc: Any, *, replicas: int = 3, timeout: float = 5.0
    ) -> BrokerTransactionIds:
        """The bucket, created (file storage, ``replicas`` copies) if missing; an existing
        bucket is used as the operator configured it. Requests wait ``timeout`` seconds; while
        JetStream cannot answer or place the bucket, it is waited for
        (:func:`~ocpp_meter.broker.when_jetstream_answers`)."""
        api = importlib.import_module("nats.js.api")
        missing = importlib.import_module("nats.js.errors").BucketNotFoundError

        js = nc.jetstream(timeout=timeout)
        config = api.KeyValueConfig(
            bucket=BUCKET,
            description="OCPP 1.6J transaction ids: the revision of each key",
            history=1,
            ttl=KEY_TTL,
            storage=api.StorageType.FILE,
            replicas=replicas,
        )

        async def bucket() -> Any:
            try:
                return await js.key_value(BUCKET)
            except missing:
                pass
            return await create_unless_present(
                partial(js.create_key_value, config), partial(js.key_value, BUCKET), missing
            )

        # As for the streams: a cluster without a quorum, or without ``replicas`` nodes to
        # place a missing bucket on yet, is waited for (serve's start is stoppable).
        return cls(js, await when_jetstream_answers(bucket, "ocpp-meter-gateway"))

    async def assign(
        self,
        station_id: str,
        message_id: str,
        started_at: str,
        connector_id: int | None,
        id_tag: str | None,
    ) -> int:
        """The id of this StartTransaction: the revision of its key, created now or before."""
        errors = importlib.import_module("nats.js.errors")

        key = start_key(station_id, message_id, started_at)
        record = {
            "station_id": station_id,
            "message_id": message_id,
            "started_at": started_at,
            "connector_id": connector_id,
            "id_tag": id_tag,
        }
        try:
            revision = await self._kv.create(key, json.dumps(record).encode())
        except errors.KeyWrongLastSequenceError:  # given before: the same id again
            revision = (await self._kv.get(key)).revision
        return check_transaction_id(int(revision))

    async def connector_of(self, station_id: str, transaction_id: int) -> int | None:
        """The connector in the record whose revision is ``transaction_id``, if that record is
        ``station_id``'s (and has not expired)."""
        errors = importlib.import_module("nats.js.errors")

        if not 0 < transaction_id <= MAX_TRANSACTION_ID:
            return None
        try:
            message = await self._js.get_msg(self._stream, seq=transaction_id)
        except errors.NotFoundError:
            return None
        try:
            record = json.loads(message.data or b"")
        except ValueError:
            return None
        if not isinstance(record, dict) or record.get("station_id") != station_id:
            return None
        connector = record.get("connector_id")
        return connector if isinstance(connector, int) else None

    async def aclose(self) -> None:
        """Nothing of its own to release: the connection is the publisher's."""
