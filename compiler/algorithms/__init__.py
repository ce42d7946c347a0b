"""Tables of SageMaker's built-in algorithms shared by the compiler (checked at compile
time) and the local engine (checked when a step runs): one source, no pandas or xgboost."""
