"""smpipe's local engine: runs a compiled pipeline definition on this machine, with the
step code in sandboxes and an emulation of the built-in XGBoost algorithm."""
