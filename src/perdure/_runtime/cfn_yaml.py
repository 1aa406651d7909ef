"""Reading a SAM or CloudFormation template file, YAML or JSON, into long-form data.

CloudFormation's YAML has short-form tags (`!Ref X`, `!GetAtt X.Arn`, `!Sub "..."`,
`!If [...]`) that a plain YAML loader refuses. Each becomes the long form CloudFormation
defines for it (`{"Ref": X}`, `{"Fn::GetAtt": [X, "Arn"]}`, `{"Fn::Sub": ...}`), so
`sam_template` reads one shape whichever way the template was written; a tag it cannot
resolve is then reported there, with the resource and property it is in.

YAML needs PyYAML, which Perdure itself does not otherwise need: it comes with the
`perdure[sam]` extra, and its absence is an error that says so. JSON templates need
nothing.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from perdure._runtime.sam_template import TemplateError

MISSING_YAML = (
    "reading a YAML template needs PyYAML: pip install 'perdure[sam]' (or pyyaml), or "
    "give the template as JSON"
)


def load_template(path: Path) -> Any:
    """The template in `path` as data, short-form tags in long form. TemplateError for
    a file that cannot be read or parsed."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise TemplateError(f"cannot read {path}: {exc.strerror or exc}") from None
    if text.lstrip().startswith("{"):
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise TemplateError(f"{path}: not valid JSON: {exc}") from None
    try:
        import yaml
    except ImportError:
        raise TemplateError(MISSING_YAML) from None

    class Loader(yaml.SafeLoader):
        """SafeLoader plus CloudFormation's short-form tags."""

    def construct(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
        if isinstance(node, yaml.ScalarNode):
            value: Any = loader.construct_scalar(node)
        elif isinstance(node, yaml.SequenceNode):
            value = loader.construct_sequence(node, deep=True)
        else:
            value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
        if suffix == "Ref":
            return {"Ref": value}
        if suffix == "Condition":
            return {"Condition": value}
        if suffix == "GetAtt" and isinstance(value, str):
            resource, _, attribute = value.partition(".")
            return {"Fn::GetAtt": [resource, attribute]}
        return {f"Fn::{suffix}": value}

    Loader.add_multi_constructor("!", construct)
    try:
        return yaml.load(text, Loader=Loader)
    except yaml.YAMLError as exc:
        raise TemplateError(f"{path}: not valid YAML: {exc}") from None
