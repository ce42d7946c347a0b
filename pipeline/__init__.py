"""Running what smpipe compiled: the step code (``pipeline/code/``, shipped in the code
bundle), the local engine (``pipeline.local``) and the SageMaker backend."""
