# Phase 03 of the workshop: the stable resources of the Titanic ModelBuild pipeline.
# Terraform owns the execution role and its policies, the data scientist's policy, the
# model package group and the pipeline itself; a pipeline execution creates the runtime
# resources (jobs, S3 artifacts, model package versions), which Terraform never manages.
terraform {
  required_version = ">= 1.5.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.100"
    }
  }

  # Remote state, configured at `terraform init -backend-config=...` time (see README.md):
  # the deploy workflow plans in one job and applies in another, so state cannot be local.
  backend "s3" {}
}

provider "aws" {
  region = var.region

  # Every taggable resource gets these; resources add nothing of their own.
  default_tags {
    tags = merge(
      {
        Project     = "smpipe"
        Phase       = "03-sagemaker-pipeline"
        Environment = var.environment
        Pipeline    = var.pipeline_name
        ManagedBy   = "terraform"
      },
      var.extra_tags,
    )
  }
}
