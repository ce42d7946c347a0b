variable "region" {
  description = "AWS region of the pipeline, the bucket and the SageMaker images."
  type        = string
  default     = "eu-west-1"
}

variable "environment" {
  description = "Deployment environment; spec/env/<environment>.yaml holds the same values for smpipe."
  type        = string
  default     = "dev"
}

variable "data_bucket" {
  description = "Existing bucket with curated/ (inputs), pipeline/code/ (code bundles by git SHA) and pipeline/runtime/ (step outputs)."
  type        = string
  default     = "titanic-mlops-artifacts-dev"
}

variable "pipeline_name" {
  description = "SageMaker pipeline name; must equal `pipeline.name` in spec/titanic-modelbuild.yaml."
  type        = string
  default     = "titanic-modelbuild-dev"
}

variable "pipeline_description" {
  description = "Pipeline description shown in SageMaker Studio."
  type        = string
  default     = "Titanic survival ModelBuild (phase 03), XGBoost with an accuracy gate"
}

variable "model_package_group_name" {
  description = "Model registry group the RegisterModel step writes to; must equal the spec's model_package_group."
  type        = string
  default     = "titanic-survival-xgboost"
}

variable "pipeline_definition_path" {
  description = "The definition JSON written by `smpipe compile spec/titanic-modelbuild.yaml --env dev -o build/titanic-modelbuild-dev.json` at the repo root; relative to infra/terraform, where terraform runs."
  type        = string
  default     = "../../build/titanic-modelbuild-dev.json"
}

variable "pipeline_settings_path" {
  description = "The pipeline's settings (max_parallel_steps, tags) written by `smpipe compile ... --settings-out build/titanic-modelbuild-dev.settings.json`; relative to infra/terraform. A missing file means none."
  type        = string
  default     = "../../build/titanic-modelbuild-dev.settings.json"
}

variable "execution_role_name" {
  description = "Name of the pipeline execution role; spec/env/<environment>.yaml's role_arn must end in role/<this name>."
  type        = string
  default     = "SageMakerPipelineExecutionRole"
}

variable "data_science_user_name" {
  description = "Existing IAM user the data scientists operate as (AWS profile data-science-user); it gets the run-and-approve policy."
  type        = string
  default     = "data-science-user"
}

variable "sagemaker_image_account" {
  description = "AWS account that publishes the SageMaker scikit-learn and XGBoost images in var.region (141502667606 in eu-west-1, per the SageMaker SDK's image_uris data)."
  type        = string
  default     = "141502667606"
}

variable "sagemaker_image_repositories" {
  description = "ECR repositories of the images the spec's steps run (images: sklearn 1.2-1, xgboost 1.7-1)."
  type        = list(string)
  default     = ["sagemaker-scikit-learn", "sagemaker-xgboost"]
}

variable "allowed_instance_types" {
  description = "Instance types the role may start jobs on; must cover every instance_type in the spec."
  type        = list(string)
  default     = ["ml.m5.large"]
}

variable "extra_tags" {
  description = "Tags added to the default ones on every resource."
  type        = map(string)
  default     = {}
}
