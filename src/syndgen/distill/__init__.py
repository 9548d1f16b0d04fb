"""Distillation: train a student on a run's exports, evaluate it against base and teacher, push it.

``data`` (pure: inputs, difficulty mix, eval split), ``student`` (load a GGUF file or a
Hugging Face folder), ``train`` (the TRL run: checkpoints, resume, tracking, progress),
``artifacts`` (merged model, GGUF conversion, card), ``tracking`` (MLflow), ``evaluate``
(held-out tasks scored by the verifiers), ``scores`` (pure: pass@k, Wilson intervals), ``hub``
(``syndgen push``). The heavy libraries (torch, transformers, peft, TRL, MLflow, gguf) are the
``train`` extra and are imported inside the functions that need them.
"""
