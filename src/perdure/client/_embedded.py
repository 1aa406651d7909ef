"""The transport for a client in the same process as the service: direct `_service`
calls on an `EmbeddedApp`, read and rendered with the `_wire` functions the HTTP API
uses (function names and versions, the Invoke payload, the answers' documents), so
`DurableClient` gets the same documents and errors whichever transport it holds."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from perdure._service import callbacks, commit_signal, delete, pause, queries, start, stop
from perdure._service.limits import check_invoke_input, payload_size
from perdure._service.listing import ExecutionQuery, list_page
from perdure._wire import executions as documents
from perdure._wire.arns import parse_execution_arn
from perdure._wire.invoke import function_and_version, invoke_payload
from perdure._wire.operations import error_from_json
from perdure.client._transport import Doc, Page
from perdure.errors import ResourceNotFoundError

if TYPE_CHECKING:
    from perdure._app import EmbeddedApp


class EmbeddedTransport:
    def __init__(self, app: EmbeddedApp) -> None:
        self._ctx = app.ctx
        self.where = "the embedded service"

    def close(self) -> None:
        """The app belongs to whoever built it; closing the client leaves it running."""

    @staticmethod
    def _arn(arn: str) -> str:
        parse_execution_arn(arn)  # refused with the expected format, as over HTTP
        return arn

    def _function(self, raw: str, qualifier: str | None) -> tuple[str, str | None]:
        name, version = function_and_version(raw, qualifier)
        if not self._ctx.function_exists(name):
            raise ResourceNotFoundError(f"Function not found: {name}")
        return name, version

    def start(
        self, function_name: str, payload: str | None, name: str | None, qualifier: str | None
    ) -> str:
        function, version = self._function(function_name, qualifier)
        # As an Event Invoke: the size first, then the JSON (the service checks the size
        # again, with the same message).
        check_invoke_input(self._ctx.settings.limits, payload_size(payload), synchronous=False)
        started = start.start_execution(
            self._ctx,
            function,
            invoke_payload(payload or ""),
            name=name,
            version=version or "$LATEST",
        )
        return started.arn

    def get_execution(self, arn: str) -> Doc:
        execution = queries.get_execution(self._ctx, self._arn(arn))
        return documents.execution_document(execution, pause.current_pause(self._ctx, execution))

    def wait_execution(self, arn: str, seconds: float) -> Doc:
        # Woken by the service's own commits, not a timer (`commit_signal`).
        execution = commit_signal.wait_ended(self._ctx, self._arn(arn), seconds)
        return documents.execution_document(execution, pause.current_pause(self._ctx, execution))

    def history_page(self, arn: str, marker: str | None, max_items: int, reverse: bool) -> Page:
        events, nxt = queries.get_history(
            self._ctx, self._arn(arn), marker=marker, max_items=max_items, reverse=reverse
        )
        doc = documents.history_document(events, nxt)
        return doc["Events"], doc.get("NextMarker")

    def list_page(
        self,
        function_name: str,
        statuses: Sequence[str],
        name: str | None,
        qualifier: str | None,
        marker: str | None,
        max_items: int,
    ) -> Page:
        function, version = self._function(function_name, qualifier)
        query = ExecutionQuery(
            function_name=function,
            name=name,
            version=version,
            statuses=documents.list_statuses(statuses),
            offset=documents.list_offset(marker),
            limit=max_items,
        )
        rows, nxt = list_page(self._ctx, query)
        doc = documents.executions_page_document(rows, nxt)
        return doc["DurableExecutions"], doc.get("NextMarker")

    def stop(self, arn: str, error: Doc | None) -> Doc:
        err = None if error is None else error_from_json(error, path="Error")
        execution = stop.stop_execution(self._ctx, self._arn(arn), err)
        return documents.stop_document(execution, self._ctx.now())

    def pause(self, arn: str, reason: str | None) -> None:
        pause.pause(self._ctx, self._arn(arn), reason)

    def resume(self, arn: str, reason: str | None) -> None:
        pause.resume(self._ctx, self._arn(arn), reason)

    def delete(self, arn: str) -> Doc:
        return documents.deletion_document(delete.delete_execution(self._ctx, self._arn(arn)))

    def callback_success(self, callback_id: str, result: bytes | None) -> None:
        callbacks.send_success(self._ctx, callback_id, result or None)  # empty: no result

    def callback_failure(self, callback_id: str, error: Doc | None) -> None:
        callbacks.send_failure(
            self._ctx, callback_id, None if error is None else error_from_json(error, path="Error")
        )

    def callback_heartbeat(self, callback_id: str) -> None:
        callbacks.send_heartbeat(self._ctx, callback_id)
