resource "aws_sagemaker_model_package_group" "this" {
  model_package_group_name        = var.model_package_group_name
  model_package_group_description = "Titanic survival XGBoost models registered by ${var.pipeline_name} when accuracy passes the gate"
}

locals {
  # The definition is the file smpipe compile wrote, sent as is: what Terraform deploys is
  # byte for byte what `smpipe compile` printed and `smpipe diff` reviewed.
  pipeline_definition = file(var.pipeline_definition_path)

  # PipelineDefinition's maximum length in the SageMaker API (botocore's service model:
  # shape PipelineDefinition, max 1048576). Past it the definition must go through S3.
  pipeline_definition_inline_limit = 1048576
  pipeline_definition_in_s3        = length(local.pipeline_definition) > local.pipeline_definition_inline_limit
  pipeline_definition_key          = "pipeline/definitions/${var.pipeline_name}/${sha256(local.pipeline_definition)}.json"

  # The pipeline's settings beside its definition (not in it): the file
  # `smpipe compile --settings-out` wrote from the spec's pipeline.max_parallel_steps and
  # pipeline.tags, in CreatePipeline's shape. No file: no cap, no extra tags.
  pipeline_settings  = jsondecode(fileexists(var.pipeline_settings_path) ? file(var.pipeline_settings_path) : "{}")
  max_parallel_steps = try(local.pipeline_settings.ParallelismConfiguration.MaxParallelExecutionSteps, null)
  pipeline_tags      = { for tag in try(local.pipeline_settings.Tags, []) : tag.Key => tag.Value }

  # Steps that start jobs carry a RoleArn (at any depth: a condition nests its branches);
  # all of them must be the role created here.
  definition_role_arns = module.definition_grants.role_arns
}

resource "aws_s3_object" "pipeline_definition" {
  # Encrypted by the bucket's default encryption; the definition holds no secret.
  count = local.pipeline_definition_in_s3 ? 1 : 0

  bucket       = var.data_bucket
  key          = local.pipeline_definition_key
  content      = local.pipeline_definition
  content_type = "application/json"
}

resource "aws_sagemaker_pipeline" "this" {
  pipeline_name         = var.pipeline_name
  pipeline_display_name = var.pipeline_name
  pipeline_description  = var.pipeline_description
  role_arn              = aws_iam_role.pipeline_execution.arn

  pipeline_definition = local.pipeline_definition_in_s3 ? null : local.pipeline_definition

  dynamic "pipeline_definition_s3_location" {
    for_each = local.pipeline_definition_in_s3 ? [local.pipeline_definition_key] : []
    content {
      bucket     = var.data_bucket
      object_key = aws_s3_object.pipeline_definition[0].key
      version_id = aws_s3_object.pipeline_definition[0].version_id
    }
  }

  dynamic "parallelism_configuration" {
    for_each = local.max_parallel_steps == null ? [] : [local.max_parallel_steps]
    content {
      max_parallel_execution_steps = parallelism_configuration.value
    }
  }

  # The spec's own tags (pipeline.tags), beside the provider's default_tags.
  tags = local.pipeline_tags

  lifecycle {
    precondition {
      condition     = length(local.definition_role_arns) > 0 && alltrue([for arn in local.definition_role_arns : arn == local.execution_role_arn])
      error_message = "The compiled definition's steps run as ${join(", ", local.definition_role_arns)}, not ${local.execution_role_arn}: fix role_arn in spec/env/${var.environment}.yaml and recompile."
    }
  }

  depends_on = [aws_iam_role_policy_attachment.pipeline_execution]
}
