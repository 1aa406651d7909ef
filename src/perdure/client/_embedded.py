"""The transport for a client in the same process as the service: direct `_service`
calls on an `EmbeddedApp`, rendered with `_wire` into the same documents the HTTP API
returns, so `DurableClient` has one code path whichever transport it holds."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from perdure._model import ExecutionStatus
from perdure._service import callbacks, delete, pause, queries, start, stop
from perdure._service.listing import ExecutionQuery, list_page
from perdure._wire.events import event_to_json
from perdure._wire.executions import execution_summary_to_json, execution_to_json
from perdure._wire.json_text import parse_strict
from perdure._wire.operations import error_from_json
from perdure._wire.timestamps import render_timestamp
from perdure.client._transport import Doc, Page
from perdure.errors import InvalidParameterValueError, ResourceNotFoundError

if TYPE_CHECKING:
    from perdure._app import EmbeddedApp

_VERSION_RE = re.compile(r"\$LATEST(?:\.PUBLISHED)?|[0-9]{1,20}")


def _version(qualifier: str | None) -> str:
    # As the HTTP API does: versions are recorded as given, anything else is an alias
    # of $LATEST (Perdure publishes no versions of its own).
    if qualifier and _VERSION_RE.fullmatch(qualifier):
        return qualifier
    return "$LATEST"


class EmbeddedTransport:
    def __init__(self, app: EmbeddedApp) -> None:
        self._ctx = app.ctx
        self.where = "the embedded service"

    def close(self) -> None:
        """The app belongs to whoever built it; closing the client leaves it running."""

    def start(
        self, function_name: str, payload: str | None, name: str | None, qualifier: str | None
    ) -> str:
        if payload is not None and payload.strip():
            parse_strict(payload, "The input")  # as the HTTP API checks an Invoke payload
        else:
            payload = None
        started = start.start_execution(
            self._ctx, function_name, payload, name=name, version=_version(qualifier)
        )
        return started.arn

    def get_execution(self, arn: str) -> Doc:
        execution = queries.get_execution(self._ctx, arn)
        doc = execution_to_json(execution)
        info = pause.current_pause(self._ctx, execution)
        if info is not None:
            details: dict[str, Any] = {
                "PauseRequestTimestamp": render_timestamp(info.requested_at, "s"),
                "ExecutionTimeoutPaused": info.timeout_paused,
            }
            if info.reason is not None:
                details["Reason"] = info.reason
            doc["PauseDetails"] = details
        return doc

    def history_page(self, arn: str, marker: str | None, max_items: int, reverse: bool) -> Page:
        events, nxt = queries.get_history(
            self._ctx, arn, marker=marker, max_items=max_items, reverse=reverse
        )
        return [event_to_json(ev, time_unit="s") for ev in events], nxt

    def list_page(
        self,
        function_name: str,
        statuses: Sequence[str],
        name: str | None,
        qualifier: str | None,
        marker: str | None,
        max_items: int,
    ) -> Page:
        if not self._ctx.function_exists(function_name):
            raise ResourceNotFoundError(f"Function not found: {function_name}")
        try:
            wanted = [ExecutionStatus(s) for s in statuses]
        except ValueError:
            choices = ", ".join(s.value for s in ExecutionStatus)
            raise InvalidParameterValueError(f"Statuses must be among {choices}") from None
        query = ExecutionQuery(
            function_name=function_name,
            name=name,
            version=_version(qualifier) if qualifier else None,
            statuses=wanted,
            offset=int(marker) if marker else 0,
            limit=max_items,
        )
        rows, nxt = list_page(self._ctx, query)
        return [execution_summary_to_json(ex) for ex in rows], (None if nxt is None else str(nxt))

    def stop(self, arn: str, error: Doc | None) -> Doc:
        err = None if error is None else error_from_json(error)
        execution = stop.stop_execution(self._ctx, arn, err)
        when = execution.end_timestamp if execution.end_timestamp is not None else self._ctx.now()
        return {"StopTimestamp": render_timestamp(when, "s")}

    def pause(self, arn: str, reason: str | None) -> None:
        pause.pause(self._ctx, arn, reason)

    def resume(self, arn: str, reason: str | None) -> None:
        pause.resume(self._ctx, arn, reason)

    def delete(self, arn: str) -> Doc:
        when = delete.delete_execution(self._ctx, arn)
        return {"DeletionRequestTimestamp": render_timestamp(when, "s")}

    def callback_success(self, callback_id: str, result: bytes | None) -> None:
        callbacks.send_success(self._ctx, callback_id, result)

    def callback_failure(self, callback_id: str, error: Doc | None) -> None:
        callbacks.send_failure(
            self._ctx, callback_id, None if error is None else error_from_json(error)
        )

    def callback_heartbeat(self, callback_id: str) -> None:
        callbacks.send_heartbeat(self._ctx, callback_id)
