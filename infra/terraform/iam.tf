# The pipeline execution role: SageMaker Pipelines assumes it to start the jobs, and the
# jobs run with it (each step's RoleArn is this role, passed by the pipeline to itself).
# Every permission is limited to this bucket's three prefixes, this account's pipeline
# jobs, the two SageMaker image repositories, the jobs' log groups and this model group,
# plus the Lambda functions and SQS queues the definition's Lambda and Callback steps name.

data "aws_iam_policy_document" "pipeline_trust" {
  statement {
    sid     = "SageMakerAssumesTheRole"
    effect  = "Allow"
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = ["sagemaker.amazonaws.com"]
    }

    # Confused-deputy guard: only SageMaker acting for this account may assume it (SageMaker's
    # "cross-service confused deputy prevention" guide covers Pipelines, processing and
    # training jobs).
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
  }
}

resource "aws_iam_role" "pipeline_execution" {
  name                 = var.execution_role_name
  description          = "SageMaker Pipelines execution role of ${var.pipeline_name} (processing, training, registration)"
  assume_role_policy   = data.aws_iam_policy_document.pipeline_trust.json
  max_session_duration = 3600
}

# The Lambda functions and SQS queues the compiled definition's Lambda and Callback steps
# name (none in the Titanic pipeline): read from the definition Terraform deploys.
module "definition_grants" {
  source     = "./modules/definition_grants"
  definition = local.pipeline_definition
}

data "aws_iam_policy_document" "pipeline_execution" {
  # lambda:InvokeFunction on exactly the functions of the Lambda steps and sqs:SendMessage on
  # exactly the queues of the Callback steps; no statement when the spec has no such step.
  source_policy_documents = module.definition_grants.policy_documents

  # Inputs: the curated datasets and the code bundles, read-only.
  statement {
    sid     = "ReadCuratedDataAndCodeBundles"
    effect  = "Allow"
    actions = ["s3:GetObject"]
    resources = [
      "${local.bucket_arn}/curated/*",
      "${local.bucket_arn}/pipeline/code/*",
    ]
  }

  # Outputs: every step writes under pipeline/runtime/<pipeline>/<execution>/<step>/, and
  # later steps (and the gate's property file) read them back.
  statement {
    sid     = "ReadWriteRuntimeArtifacts"
    effect  = "Allow"
    actions = ["s3:GetObject", "s3:PutObject", "s3:AbortMultipartUpload"]
    resources = [
      "${local.bucket_arn}/pipeline/runtime/*",
    ]
  }

  # Listing is needed for S3Prefix inputs and channels; only under the same prefixes.
  statement {
    sid       = "ListOnlyPipelinePrefixes"
    effect    = "Allow"
    actions   = ["s3:ListBucket"]
    resources = [local.bucket_arn]

    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["curated/*", "pipeline/code/*", "pipeline/runtime/*"]
    }
  }

  # The SageMaker-published scikit-learn and XGBoost images the steps run.
  statement {
    sid     = "PullSageMakerImages"
    effect  = "Allow"
    actions = ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]
    resources = [
      "arn:${local.partition}:ecr:${var.region}:${var.sagemaker_image_account}:repository/${var.sagemaker_image_repositories[0]}",
      "arn:${local.partition}:ecr:${var.region}:${var.sagemaker_image_account}:repository/${var.sagemaker_image_repositories[1]}",
    ]
  }

  statement {
    sid     = "EcrLogin"
    effect  = "Allow"
    actions = ["ecr:GetAuthorizationToken"]
    # Resource "*": ecr:GetAuthorizationToken has no resource type in the IAM Service Authorization Reference (a login token is for the whole registry), so AWS accepts only "*"; the pull actions above stay limited to the two repositories.
    resources = ["*"]
  }

  # CloudWatch Logs of the jobs: SageMaker writes processing and training job logs to
  # these two groups, one stream per job host, named <job name>/<host>.
  statement {
    sid     = "JobLogGroups"
    effect  = "Allow"
    actions = ["logs:CreateLogGroup", "logs:DescribeLogStreams"]
    resources = [
      "${local.logs_arn}:log-group:/aws/sagemaker/ProcessingJobs:*",
      "${local.logs_arn}:log-group:/aws/sagemaker/TrainingJobs:*",
    ]
  }

  statement {
    sid     = "JobLogStreams"
    effect  = "Allow"
    actions = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = [
      "${local.logs_arn}:log-group:/aws/sagemaker/ProcessingJobs:log-stream:pipelines-*",
      "${local.logs_arn}:log-group:/aws/sagemaker/TrainingJobs:log-stream:pipelines-*",
    ]
  }

  statement {
    sid     = "JobMetrics"
    effect  = "Allow"
    actions = ["cloudwatch:PutMetricData"]
    # Resource "*": cloudwatch:PutMetricData has no resource type (AWS accepts only "*"); the namespace condition below limits it to the SageMaker job namespaces, as the SageMaker execution-role guide requires for jobs.
    resources = ["*"]

    condition {
      test     = "StringEquals"
      variable = "cloudwatch:namespace"
      values   = ["/aws/sagemaker/ProcessingJobs", "/aws/sagemaker/TrainingJobs"]
    }
  }

  # The pipeline starts its processing and training jobs, only on the instance types the
  # spec uses (a typo cannot start a GPU fleet).
  statement {
    sid     = "StartPipelineJobs"
    effect  = "Allow"
    actions = ["sagemaker:CreateProcessingJob", "sagemaker:CreateTrainingJob"]
    resources = [
      local.pipeline_processing_jobs,
      local.pipeline_training_jobs,
    ]

    condition {
      test     = "ForAllValues:StringEquals"
      variable = "sagemaker:InstanceTypes"
      values   = var.allowed_instance_types
    }
  }

  statement {
    sid     = "WatchAndStopPipelineJobs"
    effect  = "Allow"
    actions = ["sagemaker:DescribeProcessingJob", "sagemaker:DescribeTrainingJob", "sagemaker:StopProcessingJob", "sagemaker:StopTrainingJob"]
    resources = [
      local.pipeline_processing_jobs,
      local.pipeline_training_jobs,
    ]
  }

  # CreateProcessingJob/CreateTrainingJob/CreateModelPackage tag what they create.
  statement {
    sid     = "TagWhatThePipelineCreates"
    effect  = "Allow"
    actions = ["sagemaker:AddTags"]
    resources = [
      local.pipeline_processing_jobs,
      local.pipeline_training_jobs,
      local.model_package_versions,
    ]
  }

  # RegisterModel: a new version in this group only. The Service Authorization Reference
  # lists both the package and its group as resources of CreateModelPackage.
  statement {
    sid     = "RegisterModelVersions"
    effect  = "Allow"
    actions = ["sagemaker:CreateModelPackage"]
    resources = [
      local.model_package_versions,
      local.model_package_group_arn,
    ]
  }

  statement {
    sid       = "ReadModelPackageGroup"
    effect    = "Allow"
    actions   = ["sagemaker:DescribeModelPackageGroup"]
    resources = [local.model_package_group_arn]
  }

  # The pipeline passes this same role to the jobs it starts, and to nothing else.
  statement {
    sid       = "PassThisRoleToSageMakerOnly"
    effect    = "Allow"
    actions   = ["iam:PassRole"]
    resources = [aws_iam_role.pipeline_execution.arn]

    condition {
      test     = "StringEquals"
      variable = "iam:PassedToService"
      values   = ["sagemaker.amazonaws.com"]
    }
  }
}

resource "aws_iam_policy" "pipeline_execution" {
  name        = "${var.execution_role_name}Policy"
  description = "Least privilege for the ${var.pipeline_name} pipeline and its jobs"
  policy      = data.aws_iam_policy_document.pipeline_execution.json
}

resource "aws_iam_role_policy_attachment" "pipeline_execution" {
  role       = aws_iam_role.pipeline_execution.name
  policy_arn = aws_iam_policy.pipeline_execution.arn
}
