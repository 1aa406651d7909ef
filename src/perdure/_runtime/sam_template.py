"""The functions of an AWS SAM (or CloudFormation) template, as Lambda-style functions.

`perdure up template.yaml` serves the same template a team deploys to AWS with
`sam deploy`, so what the template says about each function must mean the same here:
its runtime, handler and code folder, environment, timeout, memory, `DurableConfig`, and
the names and ARNs other functions are given of it through `!Ref`, `!GetAtt X.Arn` and
`!Sub` (so that a function invokes another by the ARN the template hands it, as on AWS).

A function is named after its `FunctionName`, or else after its logical id (AWS would
generate `stack-LogicalId-XYZ`; the logical id is what people call it), and its ARN is
Perdure's ARN of that name in the service's region and account, which the API accepts
wherever AWS's accepts a function ARN.

What this cannot honour is an error naming the resource and the property: a template
served with a part silently missing would run differently from AWS without saying so.
Resources that play no part in running functions (buckets, tables, APIs, roles) are
returned as ignored, for the command to list in one line; a reference to one of them,
whose value Perdure cannot know, is an error.

The template arrives as plain data in CloudFormation's long form (`{"Ref": X}`,
`{"Fn::GetAtt": [X, "Arn"]}`, ...): a JSON template is already so, and `cfn_yaml` turns
YAML's short-form tags into it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from perdure._model.durable_config import DurableConfig
from perdure._runtime.lambda_function import (
    DEFAULT_MEMORY_MB,
    DEFAULT_TIMEOUT_SECONDS,
    LambdaFunction,
    runtime_family,
)

SERVERLESS_FUNCTION = "AWS::Serverless::Function"
LAMBDA_FUNCTION = "AWS::Lambda::Function"
FUNCTION_TYPES = (SERVERLESS_FUNCTION, LAMBDA_FUNCTION)

# Resources whose absence changes which functions exist: nested applications and stacks
# hold functions of their own.
_REFUSED_TYPES = {
    "AWS::Serverless::Application": "a nested application's functions would be missing",
    "AWS::CloudFormation::Stack": "a nested stack's functions would be missing",
}
# Function properties that only matter to AWS's deployment, permissions, triggers or
# monitoring: Perdure runs the function the same without them (listed as ignored).
_IGNORED_PROPERTIES = frozenset(
    {
        "Description",
        "Role",
        "Policies",
        "PermissionsBoundary",
        "Tags",
        "PropagateTags",
        "Architectures",
        "Events",
        "Tracing",
        "LoggingConfig",
        "AutoPublishAlias",
        "AutoPublishAliasAllProperties",
        "AutoPublishCodeSha256",
        "DeploymentPreference",
        "VersionDescription",
        "ProvisionedConcurrencyConfig",
        "ReservedConcurrentExecutions",
        "VpcConfig",
        "EphemeralStorage",
        "KmsKeyArn",
        "DeadLetterQueue",
        "DeadLetterConfig",
        "EventInvokeConfig",
        "FunctionUrlConfig",
        "RecursiveLoop",
        "SnapStart",
        "RuntimeManagementConfig",
        "CodeSigningConfigArn",
        "FileSystemConfigs",
        "TenancyConfig",
    }
)
_USED_PROPERTIES = frozenset(
    {
        "Runtime",
        "Handler",
        "CodeUri",
        "Code",
        "FunctionName",
        "Environment",
        "Timeout",
        "MemorySize",
        "DurableConfig",
        "PackageType",
    }
)
_DURABLE_KEYS = frozenset({"ExecutionTimeout", "RetentionPeriodInDays", "KMSKeyArn"})
_SUB_RE = re.compile(r"\$\{([^}]*)\}")


class TemplateError(ValueError):
    """A template that cannot be served as AWS would run it; the message names the
    resource and property."""


@dataclass(frozen=True)
class TemplateApp:
    """What a template serves: its functions (with their folders), each function's own
    DurableConfig, and what was left out because it does not affect running them."""

    functions: list[LambdaFunction]
    configs: dict[str, DurableConfig] = field(default_factory=dict)
    ignored: list[str] = field(default_factory=list)


def function_arn(name: str, region: str, account: str) -> str:
    return f"arn:aws:lambda:{region}:{account}:function:{name}"


class _Resolver:
    """The values of intrinsic functions in a template: function names and ARNs,
    parameters' defaults, pseudo parameters; an error for anything else."""

    def __init__(
        self,
        names: Mapping[str, str],
        others: Mapping[str, str],
        parameters: Mapping[str, Any],
        region: str,
        account: str,
        stack: str,
    ) -> None:
        self.names = names  # logical id -> function name
        self.others = others  # logical id -> type, of resources not served
        self.parameters = parameters
        self.region, self.account = region, account
        self.pseudo = {
            "AWS::Region": region,
            "AWS::AccountId": account,
            "AWS::StackName": stack,
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::NoValue": None,
        }

    def value(self, node: Any, where: str) -> Any:
        if isinstance(node, list):
            return [self.value(item, where) for item in node]
        if not isinstance(node, dict):
            return node
        if len(node) == 1:
            (key, arg), *_ = node.items()
            if key == "Ref":
                return self.ref(arg, where)
            if key == "Fn::GetAtt":
                return self.get_att(arg, where)
            if key == "Fn::Sub":
                return self.sub(arg, where)
            if key == "Fn::Join":
                return self.join(arg, where)
            if key.startswith("Fn::") or key == "Condition":
                raise TemplateError(
                    f"{where}: {key} is not supported by perdure up (it resolves Ref, "
                    "Fn::GetAtt, Fn::Sub and Fn::Join of functions, parameters and pseudo "
                    "parameters)"
                )
        return {k: self.value(v, f"{where}.{k}") for k, v in node.items()}

    def ref(self, name: Any, where: str) -> Any:
        if not isinstance(name, str):
            raise TemplateError(f"{where}: Ref takes a logical id, got {name!r}")
        if name in self.names:
            return self.names[name]
        if name in self.pseudo:
            return self.pseudo[name]
        if name in self.parameters:
            spec = self.parameters[name]
            if isinstance(spec, dict) and "Default" in spec:
                return spec["Default"]
            raise TemplateError(
                f"{where}: Ref {name}: the parameter {name} has no Default, and perdure up "
                "takes parameters' values from their Default"
            )
        raise TemplateError(f"{where}: Ref {name}: {self._unknown(name)}")

    def get_att(self, arg: Any, where: str) -> str:
        if isinstance(arg, str):
            resource, _, attribute = arg.partition(".")
        elif isinstance(arg, list) and len(arg) == 2 and all(isinstance(a, str) for a in arg):
            resource, attribute = arg
        else:
            raise TemplateError(f"{where}: Fn::GetAtt takes LogicalId.Attribute, got {arg!r}")
        return self.attribute(resource, attribute, where, "Fn::GetAtt")

    def attribute(self, resource: str, attribute: str, where: str, how: str) -> str:
        if resource in self.names:
            if attribute == "Arn":
                return function_arn(self.names[resource], self.region, self.account)
            raise TemplateError(
                f"{where}: {how} {resource}.{attribute}: perdure up knows a function's Arn "
                "(and its name, through Ref), not its other attributes"
            )
        raise TemplateError(f"{where}: {how} {resource}.{attribute}: {self._unknown(resource)}")

    def sub(self, arg: Any, where: str) -> str:
        if isinstance(arg, str):
            text, variables = arg, {}
        elif isinstance(arg, list) and len(arg) == 2 and isinstance(arg[0], str):
            text = arg[0]
            variables = self.value(arg[1], where)
            if not isinstance(variables, dict):
                raise TemplateError(f"{where}: Fn::Sub's variables must be a mapping")
        else:
            raise TemplateError(f"{where}: Fn::Sub takes a string, or [string, variables]")

        def one(match: re.Match[str]) -> str:
            name = match.group(1)
            if name.startswith("!"):  # ${!Literal} is the text ${Literal}
                return "${" + name[1:] + "}"
            if name in variables:
                return str(variables[name])
            if "." in name and not name.startswith("AWS::"):
                resource, _, attribute = name.partition(".")
                return self.attribute(resource, attribute, where, "Fn::Sub ${...}")
            found = self.ref(name, where)
            if found is None:
                raise TemplateError(f"{where}: Fn::Sub ${{{name}}} has no value")
            return str(found)

        return _SUB_RE.sub(one, text)

    def join(self, arg: Any, where: str) -> str:
        if not (isinstance(arg, list) and len(arg) == 2 and isinstance(arg[0], str)):
            raise TemplateError(f"{where}: Fn::Join takes [delimiter, [values]]")
        items = self.value(arg[1], where)
        if not isinstance(items, list):
            raise TemplateError(f"{where}: Fn::Join takes [delimiter, [values]]")
        return arg[0].join(str(item) for item in items)

    def _unknown(self, name: str) -> str:
        if name in self.others:
            return (
                f"perdure up does not create {name} ({self.others[name]}), so it has no "
                "name or ARN here (set the value directly, or through a parameter's Default)"
            )
        return f"the template has no resource or parameter {name}"


def read_template(
    template: Mapping[str, Any],
    folder: Path,
    *,
    region: str,
    account: str,
    stack: str | None = None,
) -> TemplateApp:
    """The functions of `template` (long-form data), whose `CodeUri`s are relative to
    `folder`. Raises TemplateError naming the resource and property of what cannot be
    served as AWS would run it."""
    if not isinstance(template, Mapping):
        raise TemplateError("the template is not a mapping of sections (Resources, ...)")
    resources = template.get("Resources")
    if not isinstance(resources, dict) or not resources:
        raise TemplateError("the template has no Resources")
    ignored: list[str] = []
    for section in template:
        if section not in (
            "AWSTemplateFormatVersion",
            "Transform",
            "Description",
            "Globals",
            "Parameters",
            "Resources",
            "Outputs",
            "Metadata",
            "Conditions",
            "Mappings",
        ):
            ignored.append(f"section {section}")
    names: dict[str, str] = {}
    others: dict[str, str] = {}
    for logical_id, resource in resources.items():
        kind = resource.get("Type") if isinstance(resource, dict) else None
        if not isinstance(kind, str):
            raise TemplateError(f"resource {logical_id}: it has no Type")
        if kind in _REFUSED_TYPES:
            raise TemplateError(
                f"resource {logical_id}: {kind} is not supported by perdure up "
                f"({_REFUSED_TYPES[kind]})"
            )
        if kind not in FUNCTION_TYPES:
            others[logical_id] = kind
            ignored.append(f"{logical_id} ({kind})")
            continue
        if "Condition" in resource:
            raise TemplateError(
                f"resource {logical_id}: Condition is not supported by perdure up (every "
                "function of the template is served)"
            )
        given = (resource.get("Properties") or {}).get("FunctionName")
        names[logical_id] = given if isinstance(given, str) else logical_id
    if not names:
        raise TemplateError(
            f"the template has no {SERVERLESS_FUNCTION} or {LAMBDA_FUNCTION} resource"
        )
    parameters = template.get("Parameters") or {}
    resolver = _Resolver(
        names, others, parameters, region, account, stack or folder.resolve().name or "stack"
    )
    globals_ = (template.get("Globals") or {}) if isinstance(template.get("Globals"), dict) else {}
    for section in globals_:
        if section != "Function":
            ignored.append(f"Globals.{section}")
    shared = globals_.get("Function") or {}
    functions: list[LambdaFunction] = []
    configs: dict[str, DurableConfig] = {}
    for logical_id, name in names.items():
        resource = resources[logical_id]
        kind = resource["Type"]
        own = resource.get("Properties") or {}
        if not isinstance(own, dict):
            raise TemplateError(f"resource {logical_id}: Properties must be a mapping")
        props = _with_globals(shared, own) if kind == SERVERLESS_FUNCTION else dict(own)
        fn, config, skipped = _function(logical_id, name, kind, props, folder, resolver)
        functions.append(fn)
        if config is not None:
            configs[fn.name] = config
        ignored.extend(f"{logical_id}.{prop}" for prop in skipped)
    taken: dict[str, str] = {}
    for logical_id, name in names.items():
        if name in taken:
            raise TemplateError(
                f"resource {logical_id}: FunctionName {name!r} is also {taken[name]}'s"
            )
        taken[name] = logical_id
    return TemplateApp(functions, configs, ignored)


def _with_globals(shared: Mapping[str, Any], own: Mapping[str, Any]) -> dict[str, Any]:
    """SAM's merge of Globals.Function into a function: its own values win, mappings
    (Environment's Variables) are merged key by key."""
    merged: dict[str, Any] = dict(shared)
    for key, value in own.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _with_globals(merged[key], value)
        else:
            merged[key] = value
    return merged


def _function(
    logical_id: str,
    name: str,
    kind: str,
    props: dict[str, Any],
    folder: Path,
    resolver: _Resolver,
) -> tuple[LambdaFunction, DurableConfig | None, list[str]]:
    def where(prop: str) -> str:
        return f"resource {logical_id} ({kind}) property {prop}"

    def resolved(prop: str) -> Any:
        return resolver.value(props[prop], where(prop))

    skipped = sorted(p for p in props if p in _IGNORED_PROPERTIES)
    for prop in props:
        if prop not in _IGNORED_PROPERTIES and prop not in _USED_PROPERTIES:
            raise TemplateError(f"{where(prop)}: perdure up does not support {prop}")
    if props.get("PackageType", "Zip") != "Zip":
        raise TemplateError(
            f"{where('PackageType')}: perdure up runs Zip functions (Runtime and Handler), "
            "not container images"
        )
    runtime = resolved("Runtime") if "Runtime" in props else None
    if not isinstance(runtime, str):
        raise TemplateError(f"{where('Runtime')}: a function needs a Runtime")
    try:
        runtime_family(runtime)
    except ValueError as exc:
        raise TemplateError(f"{where('Runtime')}: {exc}") from None
    handler = resolved("Handler") if "Handler" in props else None
    if not isinstance(handler, str):
        raise TemplateError(f"{where('Handler')}: a function needs a Handler")
    code_prop = "CodeUri" if kind == SERVERLESS_FUNCTION else "Code"
    code = resolved(code_prop) if code_prop in props else "."
    if not isinstance(code, str):
        raise TemplateError(
            f"{where(code_prop)}: perdure up runs code from a local folder (a path "
            "relative to the template), not from S3 or inline code"
        )
    task_root = (folder / code).resolve()
    if not task_root.is_dir():
        raise TemplateError(f"{where(code_prop)}: no folder {task_root}")
    environment: dict[str, str] = {}
    if "Environment" in props:
        env = resolved("Environment")
        extra = set(env) - {"Variables"} if isinstance(env, dict) else set()
        if not isinstance(env, dict) or extra:
            raise TemplateError(
                f"{where('Environment')}: give Environment as Variables: {{NAME: value}}"
            )
        variables = env.get("Variables") or {}
        if not isinstance(variables, dict):
            raise TemplateError(f"{where('Environment.Variables')}: give a mapping")
        for key, value in variables.items():
            if value is None:
                continue  # AWS::NoValue
            if isinstance(value, dict | list):
                raise TemplateError(
                    f"{where('Environment.Variables.' + str(key))}: a variable's value "
                    "must be a string"
                )
            environment[str(key)] = _text(value)
    timeout = _number(props, "Timeout", DEFAULT_TIMEOUT_SECONDS, where, resolver)
    memory = _number(props, "MemorySize", DEFAULT_MEMORY_MB, where, resolver)
    config = _durable_config(props, where, resolver)
    if isinstance(props.get("DurableConfig"), dict) and "KMSKeyArn" in props["DurableConfig"]:
        skipped.append("DurableConfig.KMSKeyArn")  # Perdure's store has no KMS
    try:
        fn = LambdaFunction(
            name=name,
            handler=handler,
            timeout_seconds=float(timeout),
            memory_mb=int(memory),
            environment=environment,
            runtime=runtime,
            task_root=str(task_root),
        )
    except ValueError as exc:
        raise TemplateError(f"resource {logical_id} ({kind}): {exc}") from None
    return fn, config, skipped


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _number(
    props: Mapping[str, Any], prop: str, default: float, where: Any, resolver: _Resolver
) -> float:
    if prop not in props:
        return default
    value = resolver.value(props[prop], where(prop))
    try:
        if isinstance(value, bool):
            raise ValueError
        return float(value)
    except (TypeError, ValueError):
        raise TemplateError(f"{where(prop)}: give a number, got {value!r}") from None


def _durable_config(
    props: Mapping[str, Any], where: Any, resolver: _Resolver
) -> DurableConfig | None:
    if "DurableConfig" not in props:
        return None
    value = resolver.value(props["DurableConfig"], where("DurableConfig"))
    if not isinstance(value, dict):
        raise TemplateError(f"{where('DurableConfig')}: give a mapping")
    for key in value:
        if key not in _DURABLE_KEYS:
            raise TemplateError(
                f"{where('DurableConfig.' + key)}: not a DurableConfig property (they are "
                "ExecutionTimeout, RetentionPeriodInDays and KMSKeyArn)"
            )
    numbers: dict[str, int | None] = {}
    for key in ("ExecutionTimeout", "RetentionPeriodInDays"):
        raw = value.get(key)
        if raw is None:
            numbers[key] = None
            continue
        try:
            if isinstance(raw, bool) or int(raw) != float(raw):
                raise ValueError
            numbers[key] = int(raw)
        except (TypeError, ValueError):
            raise TemplateError(
                f"{where('DurableConfig.' + key)}: give a whole number, got {raw!r}"
            ) from None
    try:
        return DurableConfig(numbers["ExecutionTimeout"], numbers["RetentionPeriodInDays"])
    except ValueError as exc:
        raise TemplateError(f"{where('DurableConfig')}: {exc}") from None
