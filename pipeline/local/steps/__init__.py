"""Step runners: one module per step type. Each takes the step's context and its resolved
arguments, and returns the step's properties (what later ``Get``s read) and metadata (what
``smpipe steps`` shows), or raises StepFailed / StepStopped."""
