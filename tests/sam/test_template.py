"""Reading SAM templates: the functions, settings and references `perdure up` serves,
and the errors that name the resource and property it cannot honour."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from perdure._model.durable_config import DurableConfig
from perdure._runtime.cfn_yaml import load_template
from perdure._runtime.sam_template import TemplateApp, TemplateError, read_template

HERE = Path(__file__).parent
REGION, ACCOUNT = "eu-west-1", "000000000000"


def _read(tmp_path: Path, text: str) -> TemplateApp:
    (tmp_path / "src").mkdir(exist_ok=True)
    (tmp_path / "js").mkdir(exist_ok=True)
    path = tmp_path / "template.yaml"
    path.write_text(textwrap.dedent(text))
    return read_template(load_template(path), tmp_path, region=REGION, account=ACCOUNT)


def test_python_and_node_functions_with_globals_and_references(tmp_path: Path) -> None:
    app = _read(
        tmp_path,
        """
        Transform: AWS::Serverless-2016-10-31
        Parameters:
          Stage: {Type: String, Default: test}
        Globals:
          Function:
            Timeout: 120
            Environment:
              Variables: {SHARED: one, STAGE: !Ref Stage}
          Api:
            Cors: "*"
        Resources:
          Hello:
            Type: AWS::Serverless::Function
            Properties:
              FunctionName: hello-world
              Runtime: nodejs22.x
              CodeUri: js/
              Handler: index.handler
              MemorySize: 512
          Main:
            Type: AWS::Serverless::Function
            Properties:
              Runtime: python3.13
              CodeUri: src
              Handler: app.lambda_handler
              Timeout: 30
              Environment:
                Variables:
                  HELLO_ARN: !GetAtt Hello.Arn
                  HELLO_NAME: !Ref Hello
                  BOTH: !Sub "${Hello}:${Hello.Arn}:${AWS::AccountId}:${!Literal}"
                  JOINED: !Join ["/", [!Ref Stage, !Ref "AWS::Region"]]
                  COUNT: 3
              DurableConfig: {ExecutionTimeout: 900, RetentionPeriodInDays: 7, KMSKeyArn: k}
          Old:
            Type: AWS::Lambda::Function
            Properties:
              Runtime: python3.12
              Code: src
              Handler: old.handler
          Bucket:
            Type: AWS::S3::Bucket
        """,
    )
    by_name = {fn.name: fn for fn in app.functions}
    assert sorted(by_name) == ["Main", "Old", "hello-world"]
    hello, main, old = by_name["hello-world"], by_name["Main"], by_name["Old"]
    arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:hello-world"
    assert (hello.runtime, hello.handler, hello.memory_mb) == ("nodejs22.x", "index.handler", 512)
    assert hello.task_root == str((tmp_path / "js").resolve())
    assert hello.timeout_seconds == 120  # from Globals
    assert main.timeout_seconds == 30  # its own wins
    assert main.task_root == str((tmp_path / "src").resolve())
    assert dict(main.environment) == {
        "SHARED": "one",
        "STAGE": "test",
        "HELLO_ARN": arn,
        "HELLO_NAME": "hello-world",
        "BOTH": f"hello-world:{arn}:{ACCOUNT}:${{Literal}}",
        "JOINED": f"test/{REGION}",
        "COUNT": "3",
    }
    # Globals apply to AWS::Serverless::Function only, as in SAM.
    assert old.timeout_seconds == 300 and dict(old.environment) == {}
    assert app.configs == {"Main": DurableConfig(900, 7)}
    assert app.ignored == [
        "Bucket (AWS::S3::Bucket)",
        "Globals.Api",
        "Main.DurableConfig.KMSKeyArn",
    ]


def test_the_repository_s_python_app_resolves_the_callers_references() -> None:
    path = HERE / "python_app" / "template.yaml"
    app = read_template(load_template(path), path.parent, region=REGION, account=ACCOUNT)
    caller = next(fn for fn in app.functions if fn.name == "CallerFunction")
    assert caller.environment["GREETER_ARN"].endswith(":function:greeter")
    assert "CallerFunction.Policies" in app.ignored


_FUNCTION = """
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.13
      CodeUri: src
      Handler: app.handler
"""


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (
            "      Layers: [arn:aws:lambda:us-east-1:1:layer:x:1]\n",
            "resource Fn (AWS::Serverless::Function) property Layers: perdure up does not "
            "support Layers",
        ),
        (
            "      Environment:\n        Variables:\n          T: !Ref Table\n"
            "  Table:\n    Type: AWS::DynamoDB::Table\n",
            "resource Fn (AWS::Serverless::Function) property Environment.Variables.T: Ref "
            "Table: perdure up does not create Table (AWS::DynamoDB::Table), so it has no name "
            "or ARN here (set the value directly, or through a parameter's Default)",
        ),
        (
            "      Timeout: !If [IsProd, 60, 30]\n",
            "resource Fn (AWS::Serverless::Function) property Timeout: Fn::If is not supported "
            "by perdure up (it resolves Ref, Fn::GetAtt, Fn::Sub and Fn::Join of functions, "
            "parameters and pseudo parameters)",
        ),
        (
            "      Environment:\n        Variables:\n          A: !GetAtt Fn.FunctionUrl\n",
            "resource Fn (AWS::Serverless::Function) property Environment.Variables.A: "
            "Fn::GetAtt "
            "Fn.FunctionUrl: perdure up knows a function's Arn (and its name, through Ref), "
            "not its other attributes",
        ),
        (
            "      DurableConfig: {ExecutionTimeout: 60, Retention: 3}\n",
            "resource Fn (AWS::Serverless::Function) property DurableConfig.Retention: not a "
            "DurableConfig property (they are ExecutionTimeout, RetentionPeriodInDays and "
            "KMSKeyArn)",
        ),
        (
            "      DurableConfig: {RetentionPeriodInDays: 91}\n",
            "resource Fn (AWS::Serverless::Function) property DurableConfig: ",
        ),
        (
            "  Nested:\n    Type: AWS::Serverless::Application\n",
            "resource Nested: AWS::Serverless::Application is not supported by perdure up (a "
            "nested application's functions would be missing)",
        ),
    ],
)
def test_a_bad_template_is_refused_naming_resource_and_property(
    tmp_path: Path, extra: str, message: str
) -> None:
    with pytest.raises(TemplateError) as caught:
        _read(tmp_path, _FUNCTION + extra)
    assert str(caught.value).startswith(message)


@pytest.mark.parametrize(
    ("replace", "message"),
    [
        (
            ("python3.13", "java21"),
            "resource Fn (AWS::Serverless::Function) property Runtime: runtime 'java21' is not "
            "supported: Perdure runs Python (python3.x) and Node.js (nodejsN.x) handlers",
        ),
        (
            ("CodeUri: src", "CodeUri: missing"),
            "resource Fn (AWS::Serverless::Function) property CodeUri: no folder ",
        ),
        (
            ("CodeUri: src", "CodeUri: {Bucket: b, Key: k}"),
            "resource Fn (AWS::Serverless::Function) property CodeUri: perdure up runs code "
            "from a local folder",
        ),
        (
            ("      Handler: app.handler\n", ""),
            "resource Fn (AWS::Serverless::Function) property Handler: a function needs a Handler",
        ),
        (
            ("AWS::Serverless::Function", "AWS::S3::Bucket"),
            "the template has no AWS::Serverless::Function or AWS::Lambda::Function resource",
        ),
    ],
)
def test_a_function_perdure_cannot_run_is_refused(
    tmp_path: Path, replace: tuple[str, str], message: str
) -> None:
    with pytest.raises(TemplateError) as caught:
        _read(tmp_path, _FUNCTION.replace(*replace))
    assert str(caught.value).startswith(message)


def test_json_templates_are_read_in_their_long_form(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    path = tmp_path / "template.json"
    path.write_text(
        '{"Resources": {"A": {"Type": "AWS::Serverless::Function", "Properties": '
        '{"Runtime": "python3.13", "CodeUri": "src", "Handler": "a.handler"}}, '
        '"B": {"Type": "AWS::Serverless::Function", "Properties": {"Runtime": "python3.13", '
        '"CodeUri": "src", "Handler": "b.handler", "Environment": {"Variables": '
        '{"A": {"Fn::GetAtt": ["A", "Arn"]}}}}}}}'
    )
    app = read_template(load_template(path), tmp_path, region=REGION, account=ACCOUNT)
    b = next(fn for fn in app.functions if fn.name == "B")
    assert b.environment["A"] == f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:A"
