"""The one retry policy (tenacity): bounded attempts, exponential wait, and only for
errors that say they are transient.

Edges translate third-party failures into :mod:`aduan.errors` classes first; the
``permanent`` flag they carry is the whole decision, so a refused request is never
retried and a 5xx, an HTML gateway page or a dropped connection always is."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TypeVar

from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential,
)

from aduan.errors import AduanError

__all__ = ["Policy", "call"]

T = TypeVar("T")
logger = logging.getLogger(__name__)


class Policy:
    """How often and how patiently to retry one system (Sheets, Drive, IMAP)."""

    def __init__(
        self,
        *,
        attempts: int = 5,
        base_s: float = 1.0,
        max_s: float = 32.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.attempts = max(1, attempts)
        self.base_s, self.max_s, self.sleep = base_s, max_s, sleep


def _transient(e: BaseException) -> bool:
    return isinstance(e, AduanError) and not e.permanent


def call(
    what: str,
    fn: Callable[[], T],
    policy: Policy,
    *,
    on_retry: Callable[[AduanError], None] | None = None,
    retry_if: Callable[[AduanError], bool] | None = None,
) -> T:
    """Run ``fn`` under ``policy``; re-raise the last error when attempts run out.

    ``fn`` must raise :class:`AduanError` (already translated). ``on_retry`` runs
    before each wait (reconnect, drop a cached session); ``retry_if`` may veto a
    retry of a transient error (e.g. a write whose outcome is unknown)."""

    def retry_pred(e: BaseException) -> bool:
        if not _transient(e):
            return False
        assert isinstance(e, AduanError)
        return retry_if(e) if retry_if is not None else True

    def before_sleep(state: RetryCallState) -> None:
        err = state.outcome.exception() if state.outcome else None
        if isinstance(err, AduanError):
            logger.warning("%s: %s; retry %d", what, err, state.attempt_number)
            if on_retry is not None:
                on_retry(err)

    retrying = Retrying(
        stop=stop_after_attempt(policy.attempts),
        wait=wait_exponential(multiplier=policy.base_s, max=policy.max_s),
        retry=retry_if_exception(retry_pred),
        before_sleep=before_sleep,
        sleep=policy.sleep,
        reraise=True,
    )
    return retrying(fn)
