data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition

  bucket_arn    = "arn:${local.partition}:s3:::${var.data_bucket}"
  sagemaker_arn = "arn:${local.partition}:sagemaker:${var.region}:${local.account_id}"
  logs_arn      = "arn:${local.partition}:logs:${var.region}:${local.account_id}"

  # The role ARN the spec's environment file compiles into every step (spec/env/dev.yaml).
  execution_role_arn = "arn:${local.partition}:iam::${local.account_id}:role/${var.execution_role_name}"

  # SageMaker Pipelines names the jobs it starts pipelines-<execution id>-<step>-<random>
  # (unless a step sets a custom job prefix, which smpipe never emits), and ARNs are
  # lower-case: these patterns cover this account's pipeline jobs and no hand-started job.
  pipeline_processing_jobs = "${local.sagemaker_arn}:processing-job/pipelines-*"
  pipeline_training_jobs   = "${local.sagemaker_arn}:training-job/pipelines-*"

  model_package_group_arn = "${local.sagemaker_arn}:model-package-group/${var.model_package_group_name}"
  # Versions of a group are model-package/<group>/<version>.
  model_package_versions = "${local.sagemaker_arn}:model-package/${var.model_package_group_name}/*"

  pipeline_arn        = "${local.sagemaker_arn}:pipeline/${var.pipeline_name}"
  pipeline_executions = "${local.sagemaker_arn}:pipeline/${var.pipeline_name}/execution/*"
}
