"""Small committed artefacts: the course tokenizer and trained checkpoints (safetensors + JSON card)."""
