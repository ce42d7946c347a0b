output "pipeline_execution_role_arn" {
  description = "The role the pipeline and its jobs run as; spec/env/<environment>.yaml's role_arn."
  value       = aws_iam_role.pipeline_execution.arn
}

output "pipeline_arn" {
  description = "ARN of the SageMaker pipeline (smpipe start/executions take its name)."
  value       = aws_sagemaker_pipeline.this.arn
}

output "model_package_group_arn" {
  description = "ARN of the model package group RegisterModel writes to."
  value       = aws_sagemaker_model_package_group.this.arn
}

output "pipeline_execution_policy_arn" {
  description = "ARN of the execution role's policy."
  value       = aws_iam_policy.pipeline_execution.arn
}

output "data_science_policy_arn" {
  description = "ARN of the policy attached to the data-science-user identity."
  value       = aws_iam_policy.data_science.arn
}

output "pipeline_definition_location" {
  description = "Where the deployed definition came from: inline, or the S3 URI it was uploaded to."
  value       = local.pipeline_definition_in_s3 ? "s3://${var.data_bucket}/${local.pipeline_definition_key}" : "inline"
}
