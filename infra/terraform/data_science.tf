# The data scientists' identity (AWS profile data-science-user) runs and watches this
# pipeline and decides on its model versions; it cannot change the pipeline, its role or
# its definition (Terraform, run by the deployer, owns those).

data "aws_iam_user" "data_science" {
  user_name = var.data_science_user_name
}

# Kept apart so that its checkov skip covers this one statement and nothing else.
data "aws_iam_policy_document" "list_model_versions" {
  #checkov:skip=CKV_AWS_356:ListModelPackages takes a group name, not a package ARN, so no package ARN can scope it; it returns version summaries only, and describe/approve are limited to this group in the main document.
  statement {
    sid     = "ListModelVersions"
    effect  = "Allow"
    actions = ["sagemaker:ListModelPackages"]
    # Resource "*": ListModelPackages names a group, not a model package, and the Service Authorization Reference requires no resource for it; it lists version summaries only (smpipe registry list).
    resources = ["*"]
  }
}

data "aws_iam_policy_document" "data_science" {
  source_policy_documents = [data.aws_iam_policy_document.list_model_versions.json]

  # smpipe start / executions / describe of the pipeline.
  statement {
    sid       = "RunThisPipeline"
    effect    = "Allow"
    actions   = ["sagemaker:DescribePipeline", "sagemaker:ListPipelineExecutions", "sagemaker:StartPipelineExecution"]
    resources = [local.pipeline_arn]
  }

  # smpipe watch / steps / params / retry / stop / evidence on this pipeline's executions.
  statement {
    sid    = "OperateThisPipelineExecutions"
    effect = "Allow"
    actions = [
      "sagemaker:DescribePipelineDefinitionForExecution",
      "sagemaker:DescribePipelineExecution",
      "sagemaker:ListPipelineExecutionSteps",
      "sagemaker:ListPipelineParametersForExecution",
      "sagemaker:RetryPipelineExecution",
      "sagemaker:StopPipelineExecution",
    ]
    resources = [local.pipeline_executions]
  }

  # smpipe logs / evidence: a step's job gives its failure reason and log streams.
  statement {
    sid     = "DescribePipelineJobs"
    effect  = "Allow"
    actions = ["sagemaker:DescribeProcessingJob", "sagemaker:DescribeTrainingJob"]
    resources = [
      local.pipeline_processing_jobs,
      local.pipeline_training_jobs,
    ]
  }

  statement {
    sid     = "ReadPipelineJobLogs"
    effect  = "Allow"
    actions = ["logs:DescribeLogStreams", "logs:FilterLogEvents", "logs:GetLogEvents"]
    resources = [
      "${local.logs_arn}:log-group:/aws/sagemaker/ProcessingJobs:*",
      "${local.logs_arn}:log-group:/aws/sagemaker/TrainingJobs:*",
    ]
  }

  # smpipe evidence: proof that an execution's CodeBundleUri exists (HeadObject needs
  # GetObject, and ListBucket turns a missing key into NoSuchKey instead of AccessDenied).
  statement {
    sid       = "ReadCodeBundles"
    effect    = "Allow"
    actions   = ["s3:GetObject"]
    resources = ["${local.bucket_arn}/pipeline/code/*"]
  }

  statement {
    sid       = "ListCodeBundles"
    effect    = "Allow"
    actions   = ["s3:ListBucket"]
    resources = [local.bucket_arn]

    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["pipeline/code/*"]
    }
  }

  # smpipe registry describe, and the group itself.
  statement {
    sid       = "ReadThisModelGroup"
    effect    = "Allow"
    actions   = ["sagemaker:DescribeModelPackage", "sagemaker:DescribeModelPackageGroup"]
    resources = [local.model_package_versions, local.model_package_group_arn]
  }

  # smpipe registry approve / reject: only the approval status of this group's versions.
  statement {
    sid       = "ApproveOrRejectThisGroupVersions"
    effect    = "Allow"
    actions   = ["sagemaker:UpdateModelPackage"]
    resources = [local.model_package_versions]

    condition {
      test     = "StringEquals"
      variable = "sagemaker:ModelApprovalStatus"
      values   = ["Approved", "Rejected"]
    }
  }
}

resource "aws_iam_policy" "data_science" {
  name        = "${var.pipeline_name}-data-science"
  description = "Run, watch, retry and stop ${var.pipeline_name}; review and approve ${var.model_package_group_name} versions"
  policy      = data.aws_iam_policy_document.data_science.json
}

resource "aws_iam_user_policy_attachment" "data_science" {
  #checkov:skip=CKV_AWS_40:The workshop's data-science-user is an existing IAM user that this phase does not own (no group or role to attach to); the policy is managed and scoped to this pipeline and model group only.
  user       = data.aws_iam_user.data_science.user_name
  policy_arn = aws_iam_policy.data_science.arn
}
