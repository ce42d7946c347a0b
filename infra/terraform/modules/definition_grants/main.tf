# What the compiled pipeline definition asks of its execution role beyond the fixed
# permissions of iam.tf: lambda:InvokeFunction on the functions its Lambda steps name and
# sqs:SendMessage on the queues its Callback steps name, read from the definition itself
# (the one file Terraform deploys), so the policy follows the spec with nothing to keep in
# step by hand. It needs no provider: tests evaluate it offline with `terraform apply` on a
# copy (tests/test_terraform.py).

terraform {
  required_version = ">= 1.5.0"
}

variable "definition" {
  description = "The pipeline definition JSON, as `smpipe compile` wrote it."
  type        = string
}

locals {
  # A condition's IfSteps and ElseSteps are nested in it (and may be conditions again).
  # HCL cannot recurse, so the steps are collected level by level; a definition nested
  # deeper than the last level stops the plan (see the precondition below).
  level_0 = jsondecode(var.definition).Steps
  level_1 = flatten([for s in local.level_0 : concat(try(s.Arguments.IfSteps, []), try(s.Arguments.ElseSteps, [])) if s.Type == "Condition"])
  level_2 = flatten([for s in local.level_1 : concat(try(s.Arguments.IfSteps, []), try(s.Arguments.ElseSteps, [])) if s.Type == "Condition"])
  level_3 = flatten([for s in local.level_2 : concat(try(s.Arguments.IfSteps, []), try(s.Arguments.ElseSteps, [])) if s.Type == "Condition"])
  level_4 = flatten([for s in local.level_3 : concat(try(s.Arguments.IfSteps, []), try(s.Arguments.ElseSteps, [])) if s.Type == "Condition"])
  level_5 = flatten([for s in local.level_4 : concat(try(s.Arguments.IfSteps, []), try(s.Arguments.ElseSteps, [])) if s.Type == "Condition"])
  level_6 = flatten([for s in local.level_5 : concat(try(s.Arguments.IfSteps, []), try(s.Arguments.ElseSteps, [])) if s.Type == "Condition"])
  level_7 = flatten([for s in local.level_6 : concat(try(s.Arguments.IfSteps, []), try(s.Arguments.ElseSteps, [])) if s.Type == "Condition"])
  deeper  = flatten([for s in local.level_7 : concat(try(s.Arguments.IfSteps, []), try(s.Arguments.ElseSteps, [])) if s.Type == "Condition"])
  steps   = concat(local.level_0, local.level_1, local.level_2, local.level_3, local.level_4, local.level_5, local.level_6, local.level_7)

  # A Lambda step's FunctionArn is the function's ARN, qualified or not: IAM matches an
  # invocation of FUNCTION:ALIAS only against that qualified ARN, so each is granted as
  # written, never widened to a wildcard.
  lambda_function_arns = sort(distinct([for s in local.steps : s.FunctionArn if s.Type == "Lambda"]))

  # A Callback step's SqsQueueUrl is https://sqs.REGION.amazonaws.com[.cn]/ACCOUNT/NAME
  # (the form smpipe's callback-queue-url rule accepts); IAM names the queue
  # arn:PARTITION:sqs:REGION:ACCOUNT:NAME, in the partition of the URL's region.
  queue_url_pattern   = "^https://sqs\\.([a-z0-9-]+)\\.amazonaws\\.com(\\.cn)?/([0-9]{12})/([A-Za-z0-9_-]{1,80}(\\.fifo)?)$"
  callback_queue_urls = sort(distinct([for s in local.steps : s.SqsQueueUrl if s.Type == "Callback"]))
  callback_queues = [
    for url in local.callback_queue_urls : regexall(local.queue_url_pattern, url)
  ]
  callback_queue_arns = sort([
    for parts in local.callback_queues : format(
      "arn:%s:sqs:%s:%s:%s",
      parts[0][1] != null ? "aws-cn" : startswith(parts[0][0], "us-gov-") ? "aws-us-gov" : "aws",
      parts[0][0], parts[0][2], parts[0][3],
    ) if length(parts) == 1
  ])

  # Each grant becomes one policy statement, only when the definition has such steps.
  grants = [
    for grant in [
      { Sid = "InvokeTheDefinitionLambdaFunctions", Action = ["lambda:InvokeFunction"], Resource = local.lambda_function_arns },
      { Sid = "SendToTheDefinitionCallbackQueues", Action = ["sqs:SendMessage"], Resource = local.callback_queue_arns },
    ] : merge(grant, { Effect = "Allow" }) if length(grant.Resource) > 0
  ]
}

output "policy_documents" {
  description = "Zero or one IAM policy document (JSON) with the grants, for source_policy_documents."
  value       = length(local.grants) == 0 ? [] : [jsonencode({ Version = "2012-10-17", Statement = local.grants })]

  precondition {
    condition     = length(local.deeper) == 0
    error_message = "The pipeline definition nests conditions more than 8 levels deep; infra/terraform/modules/definition_grants reads 8: add a level."
  }
  precondition {
    condition     = length(local.callback_queue_arns) == length(local.callback_queue_urls)
    error_message = "A Callback step's SqsQueueUrl is not https://sqs.REGION.amazonaws.com/ACCOUNT/QUEUE_NAME: ${join(", ", [for i, url in local.callback_queue_urls : url if length(local.callback_queues[i]) != 1])}"
  }
}

output "role_arns" {
  description = "The RoleArn of every step that carries one, at any depth."
  value       = sort(distinct(compact([for s in local.steps : try(s.Arguments.RoleArn, "")])))
}

output "lambda_function_arns" {
  description = "The functions the Lambda steps invoke."
  value       = local.lambda_function_arns
}

output "callback_queue_arns" {
  description = "The queues the Callback steps send to, as ARNs."
  value       = local.callback_queue_arns
}
