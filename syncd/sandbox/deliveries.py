"""Webhook delivery shared by the emulators: a sender thread, and the knobs that make it misbehave.

A tracker sends webhooks asynchronously, after the change is committed, and not always well: late, lost,
twice, out of order, or (a misconfigured secret) with a signature the receiver must refuse. Each knob is a
plain attribute of :class:`DeliveryKnobs`, changed by tests and benchmarks between or during changes.
An emulator hands :meth:`Deliverer.send` the URL, the body and a function that signs it; this module owns
the thread, the ordering and the HTTP POST.
"""

from __future__ import annotations

import hashlib
import hmac
import queue
import random
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

__all__ = ["Delivered", "Deliverer", "DeliveryKnobs", "hmac_sha256"]


def hmac_sha256(secret: str, body: bytes) -> str:
    """The hex HMAC-SHA256 of ``body`` keyed with ``secret``, as both trackers sign deliveries.

    Jira Cloud sends it as ``X-Hub-Signature: sha256=<hex>``
    (https://developer.atlassian.com/cloud/jira/platform/webhooks/#secure-admin-webhooks), Linear as
    ``Linear-Signature: <hex>`` (https://linear.app/developers/webhooks). Written here rather than taken
    from syncd's receiver, so that a mistake in the receiver cannot hide behind the same mistake in the
    emulator.
    """
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


Signer = Callable[[bytes, bool], Mapping[str, str]]
"""Headers for a body: ``signer(body, wrong)`` signs it, with a wrong secret when ``wrong``."""


@dataclass
class DeliveryKnobs:
    """How deliveries misbehave.

    Attributes:
        delay: seconds each delivery waits before it is sent.
        lose_every: every Nth delivery is never sent (0: none lost).
        duplicate_every: every Nth delivery is sent twice, with the same delivery id.
        reorder_every: every Nth delivery is held and sent after the next one.
        wrong_signature_every: every Nth delivery is signed with a wrong secret.
    """

    delay: float = 0.0
    lose_every: int = 0
    duplicate_every: int = 0
    reorder_every: int = 0
    wrong_signature_every: int = 0
    _count: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def next(self) -> int:
        with self._lock:
            self._count += 1
            return self._count

    def reset(self) -> None:
        self.delay = 0.0
        self.lose_every = self.duplicate_every = self.reorder_every = self.wrong_signature_every = 0


def _nth(count: int, every: int) -> bool:
    return every > 0 and count % every == 0


@dataclass(frozen=True, slots=True)
class Delivered:
    """One POST made (or lost), for tests: where, what, and the receiver's status (None: lost or failed)."""

    url: str
    body: bytes
    status: int | None
    lost: bool = False


@dataclass(frozen=True, slots=True)
class _Job:
    url: str
    body: bytes
    signer: Signer
    due: float


class Deliverer:
    """Sends deliveries from one background thread, in order, applying the knobs."""

    def __init__(self, knobs: DeliveryKnobs | None = None) -> None:
        self.knobs = knobs or DeliveryKnobs()
        self.sent: list[Delivered] = []
        self._jobs: queue.Queue[_Job | None] = queue.Queue()
        self._held: _Job | None = None
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._random = random.Random(7)  # noqa: S311 - ids for an emulator

    def send(self, url: str, body: bytes, signer: Signer) -> None:
        """Queue one delivery (called under the emulator's lock: never blocks)."""
        self._ensure_thread()
        self._jobs.put(_Job(url, body, signer, time.monotonic() + self.knobs.delay))

    def delivery_id(self) -> str:
        with self._lock:
            return f"{self._random.getrandbits(64):016x}"

    def drain(self, timeout: float = 10.0) -> None:
        """Wait until every queued delivery was sent (tests); a held (reordered) one is sent too."""
        deadline = time.monotonic() + timeout
        while (not self._jobs.empty() or self._held is not None) and time.monotonic() < deadline:
            time.sleep(0.01)
        self._jobs.join()

    def close(self) -> None:
        if self._thread is not None:
            self._jobs.put(None)
            self._thread.join(timeout=5)
            self._thread = None

    def _ensure_thread(self) -> None:
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="webhook-deliveries", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while True:
            try:
                job = self._jobs.get(timeout=0.2)
            except queue.Empty:
                self._flush_held()
                continue
            if job is None:
                self._jobs.task_done()
                self._flush_held()
                return
            try:
                self._handle(job)
            finally:
                self._jobs.task_done()

    def _handle(self, job: _Job) -> None:
        count = self.knobs.next()
        knobs = self.knobs
        pause = job.due - time.monotonic()
        if pause > 0:
            time.sleep(pause)
        if _nth(count, knobs.lose_every):
            self._record(Delivered(job.url, job.body, None, lost=True))
            return
        wrong = _nth(count, knobs.wrong_signature_every)
        if _nth(count, knobs.reorder_every) and self._held is None:
            self._held = _Job(job.url, job.body, _fixed(job.signer, wrong), job.due)
            return
        self._post(job.url, job.body, job.signer(job.body, wrong))
        if _nth(count, knobs.duplicate_every):
            self._post(job.url, job.body, job.signer(job.body, wrong))
        self._flush_held()

    def _flush_held(self) -> None:
        held, self._held = self._held, None
        if held is not None:
            self._post(held.url, held.body, held.signer(held.body, False))

    def _post(self, url: str, body: bytes, headers: Mapping[str, str]) -> None:
        request = urllib.request.Request(  # noqa: S310 - the registered webhook URL, an http(s) URL
            url, data=body, method="POST", headers={"Content-Type": "application/json", **headers}
        )
        status: int | None
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
                status = response.status
        except urllib.error.HTTPError as error:
            status = error.code
        except OSError:
            status = None
        self._record(Delivered(url, body, status))

    def _record(self, delivered: Delivered) -> None:
        with self._lock:
            self.sent.append(delivered)


def _fixed(signer: Signer, wrong: bool) -> Signer:
    """A signer that keeps the wrongness decided when the delivery was held."""

    def sign(body: bytes, _: bool) -> Mapping[str, str]:
        return signer(body, wrong)

    return sign
