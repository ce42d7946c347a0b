"""Reads infra/terraform with python-hcl2 and checks the IAM policies' scope.

Each `check_*` function returns a list of problems (empty when the code is right), so the
tests can run it on the real module and on deliberately broken copies of it. The checker
resolves only plain references (`var.x`, `local.x`, `var.list[0]`, the account and
partition data sources, a role's `.arn`): a policy written with anything cleverer is
reported as unreadable rather than trusted. The statements that the module
`modules/definition_grants` derives from a compiled definition (the Lambda and Callback
steps' targets) are not HCL literals: `load_module(definition=...)` has Terraform itself
evaluate that provider-free module on a copy, and checks its statements like the others.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import hcl2

ROOT = Path(__file__).resolve().parents[1]
TF_DIR = ROOT / "infra" / "terraform"

# The only prefixes of the data bucket the pipeline may touch, and the one it may write.
ALLOWED_S3_PREFIXES = ("curated/", "pipeline/code/", "pipeline/runtime/")
WRITABLE_S3_PREFIX = "pipeline/runtime/"
S3_WRITE_ACTIONS = {"s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"}
BUCKET_LEVEL_ACTIONS = {"s3:ListBucket"}

# Actions that have no resource-level permission (or none that names what the call
# touches), so AWS requires Resource "*". Nothing else may have "*".
WILDCARD_RESOURCE_ACTIONS = {
    "ecr:GetAuthorizationToken",
    "cloudwatch:PutMetricData",
    "sagemaker:ListModelPackages",
}
WILDCARD_COMMENT = re.compile(r'^\s*# Resource "\*": (?P<reason>.+)$')
CHECKOV_SKIP = re.compile(r"#\s*checkov:skip=(?P<rest>.*)$")
CHECKOV_SKIP_WITH_REASON = re.compile(r"^CKV2?_[A-Z0-9]+_\d+:(?P<reason>.{30,})$")

# Dev account the stand-in account resolves to; the spec's env file uses the same one.
DEFAULT_ACCOUNT = "111122223333"

GRANTS_MODULE = Path("modules") / "definition_grants"
GRANTS_DOCUMENT = "definition_grants"


class Unresolvable(ValueError):
    """An expression the checker does not evaluate."""


@dataclass
class Statement:
    """One `statement` block of an aws_iam_policy_document, with its source location."""

    document: str
    file: Path
    sid: str
    effect: str
    actions: list[str]
    resources: list[str]
    conditions: list[dict[str, Any]] = field(default_factory=list)
    other_keys: list[str] = field(default_factory=list)
    principals: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Module:
    """The parsed module: merged blocks plus each file's text."""

    variables: dict[str, Any]
    locals: dict[str, Any]
    resources: dict[str, dict[str, dict[str, Any]]]
    data: dict[str, dict[str, dict[str, Any]]]
    provider: dict[str, Any]
    doc_files: dict[str, Path]
    texts: dict[Path, str]
    account: str = DEFAULT_ACCOUNT
    # The statements modules/definition_grants made from a definition (load_module's
    # `definition`), in the document that takes them as source_policy_documents.
    grant_statements: list[Statement] = field(default_factory=list)

    # -- values ---------------------------------------------------------------------

    def default(self, name: str) -> Any:
        """The resolved default of variable `name`."""
        return self.value(self.variables[name].get("default"))

    def value(self, raw: Any) -> Any:
        """Resolve a python-hcl2 value: strings lose their quotes, templates are filled."""
        if isinstance(raw, list):
            return [self.value(item) for item in raw]
        if isinstance(raw, dict):
            return {k: self.value(v) for k, v in raw.items() if not k.startswith("__")}
        if not isinstance(raw, str):
            return raw
        if len(raw) >= 2 and raw.startswith('"') and raw.endswith('"'):
            template = raw[1:-1].replace('\\"', '"')
        else:
            template = raw
        whole = re.fullmatch(r"\$\{([^{}]*)\}", template)
        if whole:
            return self.reference(whole.group(1).strip())
        return re.sub(
            r"\$\{([^{}]*)\}", lambda m: str(self.reference(m.group(1).strip())), template
        )

    def reference(self, expr: str) -> Any:
        """Evaluate a plain reference; anything else raises Unresolvable."""
        if expr == "data.aws_caller_identity.current.account_id":
            return self.account
        if expr == "data.aws_partition.current.partition":
            return "aws"
        match = re.fullmatch(r"(var|local)\.(\w+)(?:\[(\d+)\])?", expr)
        if match:
            kind, name, index = match.groups()
            if kind == "var":
                if name not in self.variables:
                    raise Unresolvable(f"undeclared variable {expr}")
                value = self.default(name)
            else:
                if name not in self.locals:
                    raise Unresolvable(f"undeclared local {expr}")
                value = self.value(self.locals[name])
            return value[int(index)] if index is not None else value
        match = re.fullmatch(r"aws_iam_role\.(\w+)\.arn", expr)
        if match:
            role = self.resources.get("aws_iam_role", {}).get(match.group(1))
            if role is None:
                raise Unresolvable(f"unknown role {expr}")
            return f"arn:aws:iam::{self.account}:role/{self.value(role['name'])}"
        raise Unresolvable(expr)

    # -- policies -------------------------------------------------------------------

    def statements(self, document: str) -> list[Statement]:
        """The statements of data.aws_iam_policy_document.<document>, resolved."""
        body = self.data["aws_iam_policy_document"][document]
        found = []
        for raw in body.get("statement", []):
            keys = [k for k in raw if not k.startswith("__")]
            found.append(
                Statement(
                    document=document,
                    file=self.doc_files[document],
                    sid=self.value(raw.get("sid", '""')),
                    effect=self.value(raw.get("effect", '"Allow"')),
                    actions=self.value(raw.get("actions", [])),
                    resources=self.value(raw.get("resources", [])),
                    conditions=[self.value(c) for c in raw.get("condition", [])],
                    principals=[self.value(p) for p in raw.get("principals", [])],
                    other_keys=[
                        k
                        for k in keys
                        if k not in {"sid", "effect", "actions", "resources", "condition"}
                        and k != "principals"
                    ],
                )
            )
        return found

    def permission_documents(self) -> list[str]:
        """Every policy document except trust policies (those with principals)."""
        return [
            name
            for name, body in self.data.get("aws_iam_policy_document", {}).items()
            if not any("principals" in s for s in body.get("statement", []))
        ]

    def all_permission_statements(self) -> list[Statement]:
        statements = [s for doc in self.permission_documents() for s in self.statements(doc)]
        return statements + self.grant_statements


def _unquote_key(key: str) -> str:
    return key[1:-1] if key.startswith('"') and key.endswith('"') else key


def load_module(
    directory: Path = TF_DIR, account: str = DEFAULT_ACCOUNT, definition: Path | None = None
) -> Module:
    """Parse every *.tf file of `directory` into one Module; with `definition` (a compiled
    pipeline definition), also the statements modules/definition_grants makes of it."""
    module = Module({}, {}, {}, {}, {}, {}, {}, account=account)
    for path in sorted((directory / GRANTS_MODULE).glob("*.tf")):
        # Its text only (for the checkov-skip check); its blocks are the child module's own.
        module.texts[path] = path.read_text(encoding="utf-8")
    for path in sorted(directory.glob("*.tf")):
        text = path.read_text(encoding="utf-8")
        module.texts[path] = text
        parsed = hcl2.loads(text)
        for block in parsed.get("variable", []):
            for name, body in block.items():
                module.variables[_unquote_key(name)] = body
        for block in parsed.get("locals", []):
            module.locals.update({k: v for k, v in block.items() if not k.startswith("__")})
        for kind, target in (("resource", module.resources), ("data", module.data)):
            for block in parsed.get(kind, []):
                for rtype, named in block.items():
                    for name, body in named.items():
                        if name.startswith("__"):
                            continue
                        key = _unquote_key(rtype)
                        target.setdefault(key, {})[_unquote_key(name)] = body
                        if key == "aws_iam_policy_document":
                            module.doc_files[_unquote_key(name)] = path
        for block in parsed.get("provider", []):
            module.provider.update({_unquote_key(k): v for k, v in block.items()})
    if definition is not None:
        outputs = evaluate_definition_grants(definition.read_text(encoding="utf-8"), directory)
        grants_file = directory / GRANTS_MODULE / "main.tf"
        module.grant_statements = [
            Statement(
                document=GRANTS_DOCUMENT,
                file=grants_file,
                sid=raw.pop("Sid", ""),
                effect=raw.pop("Effect", ""),
                actions=raw.pop("Action", []),
                resources=raw.pop("Resource", []),
                other_keys=sorted(raw),
            )
            for document in outputs["policy_documents"]
            for raw in json.loads(document)["Statement"]
        ]
    return module


class TerraformFailed(RuntimeError):
    """`terraform apply` of the grants module stopped (a precondition, a bad definition)."""


def evaluate_definition_grants(definition: str, directory: Path = TF_DIR) -> dict[str, Any]:
    """The outputs of `directory`/modules/definition_grants for one definition, evaluated by
    Terraform itself (the module has no provider: `init` and `apply` run offline, on a copy,
    creating nothing)."""
    terraform = shutil.which("terraform")
    if terraform is None:
        raise FileNotFoundError("terraform is not on PATH")
    env = {**os.environ, "CHECKPOINT_DISABLE": "1", "TF_IN_AUTOMATION": "1"}
    with tempfile.TemporaryDirectory(prefix="smpipe-grants-") as tmp:
        work = Path(tmp) / "module"
        shutil.copytree(directory / GRANTS_MODULE, work)
        (work / "input.tfvars.json").write_text(
            json.dumps({"definition": definition}), encoding="utf-8"
        )
        commands = [
            ["init", "-backend=false", "-input=false", "-no-color"],
            ["apply", "-auto-approve", "-input=false", "-no-color", "-var-file=input.tfvars.json"],
            ["output", "-json", "-no-color"],
        ]
        for command in commands:
            done = subprocess.run(
                [terraform, *command], cwd=work, env=env, capture_output=True, text=True
            )
            if done.returncode != 0:
                raise TerraformFailed(done.stderr + done.stdout)
        outputs = json.loads(done.stdout)
    return {name: output["value"] for name, output in outputs.items()}


# -- checks ------------------------------------------------------------------------------


# What a document may merge in through source_policy_documents: another document of the
# module (checked as a document of its own) or the grants of the definition.
_SOURCE_DOCUMENT = re.compile(r"\$\{data\.aws_iam_policy_document\.\w+\.json\}")
GRANTS_SOURCE = "${module.definition_grants.policy_documents}"


def check_readable(module: Module) -> list[str]:
    """Every permission statement resolves to literal strings, with no NotAction etc."""
    problems = []
    for doc in module.permission_documents():
        body = module.data["aws_iam_policy_document"][doc]
        sources = body.get("source_policy_documents", [])
        if sources != GRANTS_SOURCE and not (
            isinstance(sources, list) and all(_SOURCE_DOCUMENT.fullmatch(s) for s in sources)
        ):
            problems.append(f"{doc}: source_policy_documents {sources!r} is not checked")
        if "dynamic" in body:
            problems.append(f"{doc}: a dynamic statement block the checker cannot read")
        try:
            statements = module.statements(doc)
        except (Unresolvable, KeyError, IndexError) as exc:
            problems.append(
                f"{doc}: a statement uses an expression the checker cannot read ({exc})"
            )
            continue
        problems += _statement_shape_problems(statements)
    return problems + _statement_shape_problems(module.grant_statements)


def _statement_shape_problems(statements: list[Statement]) -> list[str]:
    problems = []
    for s in statements:
        if s.other_keys:
            problems.append(
                f"{s.document}/{s.sid}: unexpected {s.other_keys} (no not_actions/not_resources)"
            )
        if s.effect != "Allow":
            problems.append(
                f"{s.document}/{s.sid}: effect {s.effect!r}; only Allow statements are expected"
            )
        if not s.sid:
            problems.append(f"{s.document}: a statement has no sid")
    return problems


def check_no_wildcard_actions(statements: list[Statement]) -> list[str]:
    """No action is "*" or a pattern such as "s3:*" or "s3:Get*"."""
    return [
        f"{s.document}/{s.sid}: wildcard action {a!r}"
        for s in statements
        for a in s.actions
        if "*" in a or "?" in a
    ]


def check_wildcard_resources(statements: list[Statement], texts: dict[Path, str]) -> list[str]:
    """Resource "*" only for the actions AWS requires it for, each under a reason comment;
    any other wildcard is a trailing * after a specific name (not after a bare type)."""
    problems = []
    for s in statements:
        for r in s.resources:
            if r == "*":
                extra = sorted(set(s.actions) - WILDCARD_RESOURCE_ACTIONS)
                if extra:
                    problems.append(
                        f'{s.document}/{s.sid}: Resource "*" for {extra}, which AWS can scope'
                    )
                problems += _wildcard_comment_problems(s, texts[s.file])
            elif "*" in r:
                problems += _partial_wildcard_problems(s, r)
    return problems


def _wildcard_comment_problems(s: Statement, text: str) -> list[str]:
    lines = text.splitlines()
    start = next(
        (
            i
            for i, line in enumerate(lines)
            if re.search(rf'\bsid\s*=\s*"{re.escape(s.sid)}"', line)
        ),
        None,
    )
    if start is None:
        return [f"{s.document}/{s.sid}: statement not found in {s.file.name}"]
    for i in range(start + 1, len(lines)):
        if re.match(r"\s*statement\s*\{", lines[i]):
            break
        if re.fullmatch(r'\s*resources\s*=\s*\[\s*"\*"\s*\]\s*', lines[i]):
            previous = next((lines[j] for j in range(i - 1, start, -1) if lines[j].strip()), "")
            match = WILDCARD_COMMENT.match(previous)
            if not match or len(match.group("reason")) < 40:
                return [
                    f'{s.document}/{s.sid}: `resources = ["*"]` needs a `# Resource "*": <why AWS'
                    " requires it>` comment on the line above"
                ]
            return []
    return [f'{s.document}/{s.sid}: write Resource "*" as `resources = ["*"]` on one line']


def _partial_wildcard_problems(s: Statement, arn: str) -> list[str]:
    if arn.startswith("arn:aws:s3:::"):
        return []  # check_s3_scope judges these against the bucket's prefixes
    parts = arn.split(":", 5)
    resource = parts[5] if len(parts) == 6 else ""
    stem = resource[:-1] if resource.endswith("*") else resource
    bare = re.fullmatch(r"[A-Za-z-]*[:/]?", stem) is not None  # "" too: ACCOUNT:*
    if "*" in stem or not resource.endswith("*") or bare or "*" in ":".join(parts[:5]):
        return [f"{s.document}/{s.sid}: wildcard in {arn!r} is broader than one named prefix"]
    return []


def check_s3_scope(statements: list[Statement], bucket: str) -> list[str]:
    """S3 only in the data bucket's allowed prefixes; writes only under pipeline/runtime/;
    listing only with an s3:prefix condition inside the same prefixes."""
    problems = []
    bucket_arn = f"arn:aws:s3:::{bucket}"
    for s in statements:
        s3_actions = [a for a in s.actions if a.startswith("s3:")]
        for r in s.resources:
            if r == "*" and s3_actions:
                problems.append(f"{s.document}/{s.sid}: S3 actions on Resource '*'")
            if not r.startswith("arn:aws:s3:::"):
                continue
            if r == bucket_arn:
                object_actions = sorted(set(s3_actions) - BUCKET_LEVEL_ACTIONS)
                if object_actions:
                    problems.append(f"{s.document}/{s.sid}: {object_actions} on the bucket itself")
                problems += _list_prefix_problems(s)
                continue
            key = r[len(bucket_arn) + 1 :] if r.startswith(bucket_arn + "/") else None
            if key is None:
                problems.append(f"{s.document}/{s.sid}: {r!r} is not in bucket {bucket}")
                continue
            if not any(key.startswith(p) for p in ALLOWED_S3_PREFIXES) or "*" in key[:-1]:
                problems.append(f"{s.document}/{s.sid}: {r!r} is outside {ALLOWED_S3_PREFIXES}")
            writes = sorted(set(s3_actions) & S3_WRITE_ACTIONS)
            if writes and not key.startswith(WRITABLE_S3_PREFIX):
                problems.append(f"{s.document}/{s.sid}: {writes} outside {WRITABLE_S3_PREFIX}")
    return problems


def _list_prefix_problems(s: Statement) -> list[str]:
    prefixes = [
        v
        for c in s.conditions
        if c.get("variable") == "s3:prefix" and c.get("test") in {"StringLike", "StringEquals"}
        for v in c.get("values", [])
    ]
    if not prefixes:
        return [f"{s.document}/{s.sid}: s3:ListBucket without an s3:prefix condition"]
    return [
        f"{s.document}/{s.sid}: s3:ListBucket prefix {p!r} is outside {ALLOWED_S3_PREFIXES}"
        for p in prefixes
        if not any(p.startswith(a) for a in ALLOWED_S3_PREFIXES)
    ]


def check_pass_role(statements: list[Statement], role_arn: str) -> list[str]:
    """iam:PassRole only on the execution role itself, only to SageMaker; no other IAM."""
    problems = []
    for s in statements:
        iam = [a for a in s.actions if a.lower().startswith("iam:")]
        if any(a != "iam:PassRole" for a in iam):
            problems.append(
                f"{s.document}/{s.sid}: IAM actions {iam}; only iam:PassRole is expected"
            )
        if "iam:PassRole" not in s.actions:
            continue
        if s.resources != [role_arn]:
            problems.append(
                f"{s.document}/{s.sid}: iam:PassRole on {s.resources}, not only {role_arn}"
            )
        passed_to = [
            v
            for c in s.conditions
            if c.get("variable") == "iam:PassedToService" and c.get("test") == "StringEquals"
            for v in c.get("values", [])
        ]
        if passed_to != ["sagemaker.amazonaws.com"]:
            problems.append(
                f"{s.document}/{s.sid}: iam:PassRole must be conditioned on"
                " iam:PassedToService = sagemaker.amazonaws.com"
            )
    return problems


def check_checkov_skips(texts: dict[Path, str]) -> list[str]:
    """Every inline checkov skip names a check and gives a written reason."""
    problems = []
    for path, text in texts.items():
        for number, line in enumerate(text.splitlines(), start=1):
            match = CHECKOV_SKIP.search(line)
            if match and not CHECKOV_SKIP_WITH_REASON.match(match.group("rest").strip()):
                problems.append(
                    f"{path.name}:{number}: checkov skip without a check id and a reason"
                )
    return problems
