"""infra/terraform: the policies' scope, and agreement with the spec and its dev env.

`terraform validate`/`plan` need the AWS provider (the deploy workflow runs them); these
tests read the HCL itself. Each check is also run on a broken copy of the module, to show
that it can fail.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import hcl2
import pytest
import yaml
from terraform_checks import (
    ALLOWED_S3_PREFIXES,
    GRANTS_MODULE,
    GRANTS_SOURCE,
    ROOT,
    TF_DIR,
    Module,
    TerraformFailed,
    check_checkov_skips,
    check_no_wildcard_actions,
    check_pass_role,
    check_readable,
    check_s3_scope,
    check_wildcard_resources,
    evaluate_definition_grants,
    load_module,
)

SPEC = ROOT / "spec" / "titanic-modelbuild.yaml"
DEV_ENV = ROOT / "spec" / "env" / "dev.yaml"
COMPILED_DEFINITION = ROOT / "build" / "titanic-modelbuild-dev.json"
# The compiled definitions the golden tests keep current with their specs.
TITANIC_GOLDEN = ROOT / "tests" / "golden" / "titanic-modelbuild-dev.json"
APPROVAL_GOLDEN = ROOT / "tests" / "golden" / "examples" / "titanic-approval-dev.json"
APPROVAL_SPEC = ROOT / "spec" / "examples" / "titanic-approval.yaml"
EXAMPLES_ENV = ROOT / "spec" / "examples" / "env" / "dev.yaml"

# The grants module is evaluated by Terraform itself (offline: it has no provider).
needs_terraform = pytest.mark.skipif(
    shutil.which("terraform") is None, reason="terraform is not on PATH (CI installs it)"
)


def all_problems(module: Module) -> list[str]:
    """Every policy check on one module, in a fixed order."""
    problems = check_readable(module)
    if problems:
        return problems
    statements = module.all_permission_statements()
    role_arn = module.reference("aws_iam_role.pipeline_execution.arn")
    return (
        check_no_wildcard_actions(statements)
        + check_wildcard_resources(statements, module.texts)
        + check_s3_scope(statements, module.default("data_bucket"))
        + check_pass_role(statements, role_arn)
        + check_checkov_skips(module.texts)
    )


@pytest.fixture(scope="module")
def module() -> Module:
    return load_module()


@pytest.fixture(scope="module")
def dev_env() -> dict[str, str]:
    data = yaml.safe_load(DEV_ENV.read_text(encoding="utf-8"))
    return {k: str(v) for k, v in data.items()}


@pytest.fixture(scope="module")
def spec() -> dict:
    return yaml.safe_load(SPEC.read_text(encoding="utf-8"))


def fill(text: str, env: dict[str, str]) -> str:
    """The spec's ${var} placeholders filled from the env file, as smpipe compile does."""
    return re.sub(r"\$\{(\w+)\}", lambda m: env[m.group(1)], text)


# -- the real module --------------------------------------------------------------------


def test_the_module_passes_every_policy_check(module: Module) -> None:
    assert all_problems(module) == []


def test_documents_checked_are_the_expected_ones(module: Module) -> None:
    # A new policy document is checked automatically; this pins what exists today.
    assert sorted(module.permission_documents()) == [
        "data_science",
        "list_model_versions",
        "pipeline_execution",
    ]
    assert len(module.all_permission_statements()) >= 15


def test_wildcard_resources_are_only_the_required_ones(module: Module) -> None:
    wildcard = sorted(
        a for s in module.all_permission_statements() if "*" in s.resources for a in s.actions
    )
    assert wildcard == [
        "cloudwatch:PutMetricData",
        "ecr:GetAuthorizationToken",
        "sagemaker:ListModelPackages",
    ]


def test_metrics_are_limited_to_the_sagemaker_job_namespaces(module: Module) -> None:
    (metrics,) = [s for s in module.statements("pipeline_execution") if s.sid == "JobMetrics"]
    assert metrics.conditions == [
        {
            "test": "StringEquals",
            "variable": "cloudwatch:namespace",
            "values": ["/aws/sagemaker/ProcessingJobs", "/aws/sagemaker/TrainingJobs"],
        }
    ]


def test_the_role_is_trusted_by_sagemaker_for_this_account_only(module: Module) -> None:
    (trust,) = module.statements("pipeline_trust")
    assert trust.actions == ["sts:AssumeRole"]
    assert trust.principals == [{"type": "Service", "identifiers": ["sagemaker.amazonaws.com"]}]
    assert trust.conditions == [
        {"test": "StringEquals", "variable": "aws:SourceAccount", "values": [module.account]}
    ]


def test_jobs_are_scoped_to_the_names_sagemaker_pipelines_gives_them(module: Module) -> None:
    creates = [
        s
        for s in module.statements("pipeline_execution")
        if "sagemaker:CreateProcessingJob" in s.actions
    ]
    assert [s.resources for s in creates] == [
        [
            "arn:aws:sagemaker:eu-west-1:111122223333:processing-job/pipelines-*",
            "arn:aws:sagemaker:eu-west-1:111122223333:training-job/pipelines-*",
        ]
    ]


def test_model_packages_only_in_this_group(module: Module) -> None:
    group = module.default("model_package_group_name")
    for s in module.all_permission_statements():
        for action in s.actions:
            if "ModelPackage" in action and s.resources != ["*"]:
                for r in s.resources:
                    assert r.endswith(
                        (f":model-package/{group}/*", f":model-package-group/{group}")
                    ), (
                        s.sid,
                        r,
                    )


def test_the_data_scientist_cannot_write_s3_or_change_the_pipeline(module: Module) -> None:
    actions = {
        a
        for doc in ("data_science", "list_model_versions")
        for s in module.statements(doc)
        for a in s.actions
    }
    assert not {a for a in actions if a.startswith(("iam:", "s3:Put", "s3:Delete"))}
    assert not {a for a in actions if re.match(r"sagemaker:(Create|Update|Delete)Pipeline", a)}
    assert {
        "sagemaker:StartPipelineExecution",
        "sagemaker:DescribePipelineExecution",
        "sagemaker:ListPipelineExecutions",
        "sagemaker:RetryPipelineExecution",
        "sagemaker:StopPipelineExecution",
        "sagemaker:DescribePipeline",
        "sagemaker:ListPipelineExecutionSteps",
        "sagemaker:ListPipelineParametersForExecution",
        "sagemaker:ListModelPackages",
        "sagemaker:DescribeModelPackage",
        "sagemaker:UpdateModelPackage",
    } <= actions


def test_the_pipeline_definition_goes_to_s3_past_the_api_limit(module: Module) -> None:
    botocore_session = pytest.importorskip("botocore.session")
    model = botocore_session.get_session().get_service_model("sagemaker")
    limit = model.shape_for("PipelineDefinition").metadata["max"]
    assert module.value(module.locals["pipeline_definition_inline_limit"]) == limit
    pipeline = module.resources["aws_sagemaker_pipeline"]["this"]
    assert pipeline["pipeline_definition"] == (
        "${local.pipeline_definition_in_s3 ? null : local.pipeline_definition}"
    )
    assert module.locals["pipeline_definition"] == "${file(var.pipeline_definition_path)}"
    assert pipeline["role_arn"] == "${aws_iam_role.pipeline_execution.arn}"


def test_every_taggable_resource_gets_the_default_tags(module: Module) -> None:
    (default_tags,) = module.provider["aws"]["default_tags"]
    assert "Project" in default_tags["tags"] and "ManagedBy" in default_tags["tags"]


# -- agreement with the spec, its dev environment and the compile command ----------------


def test_the_dev_role_arn_is_the_role_terraform_creates(
    module: Module, dev_env: dict[str, str]
) -> None:
    role_name = module.default("execution_role_name")
    assert role_name == "SageMakerPipelineExecutionRole"
    assert re.fullmatch(r"\d{12}", dev_env["account"])
    assert dev_env["role_arn"] == f"arn:aws:iam::{dev_env['account']}:role/{role_name}"
    assert (
        load_module(account=dev_env["account"]).reference("aws_iam_role.pipeline_execution.arn")
        == dev_env["role_arn"]
    )


def test_names_agree_with_the_spec_and_dev_env(
    module: Module, spec: dict, dev_env: dict[str, str]
) -> None:
    assert module.default("region") == dev_env["region"]
    assert module.default("data_bucket") == dev_env["data_bucket"]
    assert module.default("pipeline_name") == spec["pipeline"]["name"]
    assert module.default("pipeline_description") == spec["pipeline"]["description"]
    (register,) = [s for s in spec["steps"] if s["type"] == "register"]
    assert module.default("model_package_group_name") == register["model_package_group"]


def test_every_s3_location_of_the_spec_is_in_the_role_prefixes(
    spec: dict, dev_env: dict[str, str]
) -> None:
    bucket = f"s3://{dev_env['data_bucket']}/"
    artifacts = fill(spec["pipeline"]["artifacts"], dev_env)
    assert (artifacts + "/").startswith(bucket + "pipeline/runtime/")
    for name, param in spec["parameters"].items():
        default = param.get("default")
        if isinstance(default, str) and default.startswith("s3://"):
            key = fill(default, dev_env)[len(bucket) :]
            assert key.startswith(ALLOWED_S3_PREFIXES), (name, key)
    code = fill(spec["parameters"][spec["pipeline"]["code_bundle"]]["default"], dev_env)
    assert code.startswith(bucket + "pipeline/code/")


def test_the_spec_instance_types_and_images_are_allowed(module: Module, spec: dict) -> None:
    allowed = set(module.default("allowed_instance_types"))
    used = {spec["defaults"]["instance_type"]} | {
        s["instance_type"] for s in spec["steps"] if "instance_type" in s
    }
    assert used <= allowed
    repositories = {"sklearn": "sagemaker-scikit-learn", "xgboost": "sagemaker-xgboost"}
    needed = {repositories[image["framework"]] for image in spec["images"].values()}
    assert needed <= set(module.default("sagemaker_image_repositories"))


def test_the_definition_path_is_the_file_smpipe_compile_writes(module: Module) -> None:
    path = (TF_DIR / module.default("pipeline_definition_path")).resolve()
    assert path == COMPILED_DEFINITION
    workflow = (ROOT / ".github" / "workflows" / "deploy.yml").read_text(encoding="utf-8")
    assert "-o build/titanic-modelbuild-dev.json" in workflow


# -- each check can fail -------------------------------------------------------------------

MUTATIONS = {
    "wildcard action": (
        "iam.tf",
        'actions = ["s3:GetObject"]',
        'actions = ["s3:*"]',
        "wildcard action 's3:*'",
    ),
    "star resource for a scopable action": (
        "iam.tf",
        'actions = ["ecr:GetAuthorizationToken"]',
        'actions = ["ecr:GetAuthorizationToken", "ecr:BatchGetImage"]',
        "Resource \"*\" for ['ecr:BatchGetImage']",
    ),
    "star resource without its comment": (
        "iam.tf",
        '    # Resource "*": ecr:GetAuthorizationToken',
        "    # ecr:GetAuthorizationToken",
        'needs a `# Resource "*": <why AWS requires it>` comment',
    ),
    "bare-type wildcard": (
        "main.tf",
        "processing-job/pipelines-*",
        "processing-job/*",
        "is broader than one named prefix",
    ),
    "whole bucket": (
        "iam.tf",
        '"${local.bucket_arn}/curated/*"',
        '"${local.bucket_arn}/*"',
        "is outside",
    ),
    "write to the code bundles": (
        "iam.tf",
        '"${local.bucket_arn}/pipeline/runtime/*",',
        '"${local.bucket_arn}/pipeline/runtime/*", "${local.bucket_arn}/pipeline/code/*",',
        "outside pipeline/runtime/",
    ),
    "list without prefix": (
        "iam.tf",
        'values   = ["curated/*", "pipeline/code/*", "pipeline/runtime/*"]',
        'values   = ["*"]',
        "s3:ListBucket prefix '*'",
    ),
    "pass any role": (
        "iam.tf",
        "resources = [aws_iam_role.pipeline_execution.arn]",
        'resources = ["arn:aws:iam::111122223333:role/*"]',
        "iam:PassRole on",
    ),
    "pass role to any service": (
        "iam.tf",
        'variable = "iam:PassedToService"',
        'variable = "aws:RequestedRegion"',
        "iam:PassedToService",
    ),
    "unreadable expression": (
        "iam.tf",
        'resources = [\n      "${local.bucket_arn}/pipeline/runtime/*",\n    ]',
        'resources = [for p in ["a"] : "${local.bucket_arn}/${p}"]',
        "cannot read",
    ),
    "skip without reason": (
        "data_science.tf",
        "#checkov:skip=CKV_AWS_40:The workshop",
        "#checkov:skip=CKV_AWS_40:\n  # The workshop",
        "checkov skip without a check id and a reason",
    ),
}


@pytest.mark.parametrize("name", sorted(MUTATIONS))
def test_each_check_rejects_a_broken_policy(name: str, tmp_path: Path) -> None:
    file, old, new, expected = MUTATIONS[name]
    copy = tmp_path / "terraform"
    shutil.copytree(TF_DIR, copy)
    text = (copy / file).read_text(encoding="utf-8")
    assert old in text, f"mutation {name!r} no longer matches {file}"
    (copy / file).write_text(text.replace(old, new, 1), encoding="utf-8")
    problems = all_problems(load_module(copy))
    assert any(expected in p for p in problems), problems


def test_a_wrong_role_name_breaks_the_dev_env_agreement(
    tmp_path: Path, dev_env: dict[str, str]
) -> None:
    copy = tmp_path / "terraform"
    shutil.copytree(TF_DIR, copy)
    variables = copy / "variables.tf"
    text = variables.read_text(encoding="utf-8")
    variables.write_text(
        text.replace('"SageMakerPipelineExecutionRole"', '"OtherRole"'), encoding="utf-8"
    )
    arn = load_module(copy, account=dev_env["account"]).reference(
        "aws_iam_role.pipeline_execution.arn"
    )
    assert arn != dev_env["role_arn"]


# -- the definition smpipe compiles, as Terraform will read it ------------------------------


@pytest.fixture(scope="module")
def compiled(tmp_path_factory: pytest.TempPathFactory) -> str:
    """`smpipe compile` for --env dev, as the deploy workflow runs it."""
    smpipe = Path(sys.executable).parent / "smpipe"
    if not smpipe.exists():
        pytest.skip("smpipe is not installed in this environment")
    out = tmp_path_factory.mktemp("build") / "titanic-modelbuild-dev.json"
    command = [str(smpipe), "compile", str(SPEC), "--env", "dev", "--var", "git_sha=abc123"]
    subprocess.run([*command, "-o", str(out)], check=True, cwd=ROOT, capture_output=True)
    return out.read_text(encoding="utf-8")


def test_every_compiled_step_runs_as_the_terraform_role(
    compiled: str, module: Module, dev_env: dict[str, str]
) -> None:
    # What the aws_sagemaker_pipeline precondition checks at plan time.
    role_arn = load_module(account=dev_env["account"]).reference(
        "aws_iam_role.pipeline_execution.arn"
    )
    steps = json.loads(compiled)["Steps"]
    roles = {s["Arguments"]["RoleArn"] for s in steps if "RoleArn" in s.get("Arguments", {})}
    assert roles == {role_arn}


def test_every_compiled_s3_location_is_in_the_role_prefixes(compiled: str, module: Module) -> None:
    bucket = f"s3://{module.default('data_bucket')}/"
    locations = set(re.findall(r'"(s3://[^"]*)"', compiled))
    assert locations, "the definition names no S3 location"
    for uri in locations:
        assert uri.startswith(bucket), uri
        key = uri[len(bucket) :]
        # Output prefixes are joined with execution and step names: pipeline/runtime is one.
        assert key.startswith(ALLOWED_S3_PREFIXES) or key + "/" in ALLOWED_S3_PREFIXES, uri


def test_the_compiled_definition_fits_inline(compiled: str, module: Module) -> None:
    limit = module.value(module.locals["pipeline_definition_inline_limit"])
    assert len(compiled) < limit
    assert "abc123" in compiled  # the --var git_sha reached the CodeBundleUri default


# -- Lambda and Callback steps: grants read from the definition ----------------------------

LAMBDA_SID = "InvokeTheDefinitionLambdaFunctions"
SQS_SID = "SendToTheDefinitionCallbackQueues"


def handoff_statements(module: Module) -> list[tuple[str, list[str], list[str]]]:
    """Every statement of every policy that names a lambda: or sqs: action."""
    return [
        (s.sid, s.actions, s.resources)
        for s in module.all_permission_statements()
        if any(a.startswith(("lambda:", "sqs:")) for a in s.actions)
    ]


def test_the_execution_policy_takes_the_grants_of_the_deployed_definition() -> None:
    iam = hcl2.loads((TF_DIR / "iam.tf").read_text(encoding="utf-8"))
    (grants,) = [block['"definition_grants"'] for block in iam["module"]]
    assert grants["source"] == f'"./{GRANTS_MODULE.as_posix()}"'
    assert grants["definition"] == "${local.pipeline_definition}"
    module = load_module()
    document = module.data["aws_iam_policy_document"]["pipeline_execution"]
    assert document["source_policy_documents"] == GRANTS_SOURCE
    # The role precondition reads every step's RoleArn through the same module.
    assert module.locals["definition_role_arns"] == "${module.definition_grants.role_arns}"


@needs_terraform
def test_the_approval_example_grants_exactly_its_function_and_queue(
    dev_env: dict[str, str],
) -> None:
    module = load_module(definition=APPROVAL_GOLDEN)
    function = "arn:aws:lambda:eu-west-1:111122223333:function:titanic-apply-approval"
    queue = "arn:aws:sqs:eu-west-1:111122223333:titanic-model-approval"
    assert handoff_statements(module) == [
        (LAMBDA_SID, ["lambda:InvokeFunction"], [function]),
        (SQS_SID, ["sqs:SendMessage"], [queue]),
    ]
    assert all_problems(module) == []
    # The same function and queue as the spec names, filled from its env file.
    env = {k: str(v) for k, v in yaml.safe_load(EXAMPLES_ENV.read_text("utf-8")).items()}
    steps = {s["type"]: s for s in yaml.safe_load(APPROVAL_SPEC.read_text("utf-8"))["steps"]}
    assert fill(steps["lambda"]["function_arn"], env) == function
    queue_url = fill(steps["callback"]["queue_url"], env)
    assert queue_url == "https://sqs.eu-west-1.amazonaws.com/111122223333/titanic-model-approval"


@needs_terraform
def test_titanic_gets_no_lambda_or_sqs_statement(dev_env: dict[str, str]) -> None:
    outputs = evaluate_definition_grants(TITANIC_GOLDEN.read_text(encoding="utf-8"))
    assert outputs["policy_documents"] == []
    assert outputs["role_arns"] == [dev_env["role_arn"]]
    module = load_module(definition=TITANIC_GOLDEN)
    assert module.grant_statements == []
    assert handoff_statements(module) == []


def definition_of(*steps: dict) -> str:
    return json.dumps({"Version": "2020-12-01", "Steps": list(steps)})


def lambda_step(name: str, arn: str) -> dict:
    return {"Name": name, "Type": "Lambda", "FunctionArn": arn, "Arguments": {}}


def callback_step(name: str, url: str) -> dict:
    return {"Name": name, "Type": "Callback", "SqsQueueUrl": url, "Arguments": {}}


def nested(depth: int, step: dict) -> dict:
    """`step` inside `depth` conditions, each holding the next in its ElseSteps."""
    for level in range(depth):
        step = {
            "Name": f"Gate{level}",
            "Type": "Condition",
            "Arguments": {"Conditions": [], "IfSteps": [], "ElseSteps": [step]},
        }
    return step


@needs_terraform
def test_grants_cover_nested_steps_every_partition_and_qualified_functions() -> None:
    role = "arn:aws:iam::111122223333:role/SageMakerPipelineExecutionRole"
    definition = definition_of(
        lambda_step("Notify", "arn:aws:lambda:eu-west-1:111122223333:function:notify:live"),
        {
            "Name": "Gate",
            "Type": "Condition",
            "Arguments": {
                "Conditions": [],
                "IfSteps": [
                    callback_step(
                        "Fifo", "https://sqs.us-east-2.amazonaws.com/444455556666/o.fifo"
                    ),
                    {"Name": "Job", "Type": "Processing", "Arguments": {"RoleArn": role}},
                ],
                "ElseSteps": [
                    lambda_step(
                        "Again", "arn:aws:lambda:eu-west-1:111122223333:function:notify:live"
                    ),
                    callback_step(
                        "China", "https://sqs.cn-north-1.amazonaws.com.cn/111122223333/q"
                    ),
                ],
            },
        },
        nested(7, callback_step("Gov", "https://sqs.us-gov-west-1.amazonaws.com/111122223333/q")),
    )
    outputs = evaluate_definition_grants(definition)
    assert outputs["lambda_function_arns"] == [
        "arn:aws:lambda:eu-west-1:111122223333:function:notify:live"
    ]
    assert outputs["callback_queue_arns"] == [
        "arn:aws-cn:sqs:cn-north-1:111122223333:q",
        "arn:aws-us-gov:sqs:us-gov-west-1:111122223333:q",
        "arn:aws:sqs:us-east-2:444455556666:o.fifo",
    ]
    assert outputs["role_arns"] == [role]
    (document,) = outputs["policy_documents"]
    statements = json.loads(document)["Statement"]
    assert [(s["Sid"], s["Resource"]) for s in statements] == [
        (LAMBDA_SID, outputs["lambda_function_arns"]),
        (SQS_SID, outputs["callback_queue_arns"]),
    ]


@needs_terraform
@pytest.mark.parametrize(
    ("definition", "message"),
    [
        (
            definition_of(nested(8, lambda_step("Deep", "arn:aws:lambda:eu-west-1:1:function:f"))),
            "nests conditions more than 8 levels deep",
        ),
        (
            definition_of(callback_step("Old", "https://queue.amazonaws.com/111122223333/q")),
            "https://queue.amazonaws.com/111122223333/q",
        ),
    ],
    ids=["too deep", "queue URL of another form"],
)
def test_a_definition_the_grants_cannot_read_stops_the_plan(definition: str, message: str) -> None:
    with pytest.raises(TerraformFailed) as failed:
        evaluate_definition_grants(definition)
    assert message in " ".join(str(failed.value).split())


GRANT_MUTATIONS = {
    "every function": (
        "Resource = local.lambda_function_arns",
        'Resource = ["*"]',
        "Resource \"*\" for ['lambda:InvokeFunction']",
    ),
    "every queue of the account": (
        "parts[0][0], parts[0][2], parts[0][3],",
        'parts[0][0], parts[0][2], "*",',
        "is broader than one named prefix",
    ),
    "every SQS action": ('Action = ["sqs:SendMessage"]', 'Action = ["sqs:*"]', "wildcard action"),
}


@needs_terraform
@pytest.mark.parametrize("name", sorted(GRANT_MUTATIONS))
def test_each_check_rejects_broken_grants(name: str, tmp_path: Path) -> None:
    old, new, expected = GRANT_MUTATIONS[name]
    copy = tmp_path / "terraform"
    shutil.copytree(TF_DIR, copy)
    main = copy / GRANTS_MODULE / "main.tf"
    text = main.read_text(encoding="utf-8")
    assert old in text, f"mutation {name!r} no longer matches {main.name}"
    main.write_text(text.replace(old, new, 1), encoding="utf-8")
    problems = all_problems(load_module(copy, definition=APPROVAL_GOLDEN))
    assert any(expected in p for p in problems), problems
