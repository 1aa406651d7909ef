"""The dashboard: server-rendered pages under `/ui/` to see and steer executions.

A driver beside the HTTP API and the runtime, independent of both: it reads and acts
only through `_service`, admits whom the API admits (`security`), escapes every value
it shows (`markup`), and needs nothing but the standard library and two files of its
own (`assets/`). The composition root builds it (`Dashboard`) and mounts it beside the
API (`mount.Mounted`).
"""
