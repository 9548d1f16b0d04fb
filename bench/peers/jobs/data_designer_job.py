"""The job in NVIDIA Data Designer: a topic seed, two text columns and a structured judge column."""

from __future__ import annotations

import jobkit
import pandas as pd
from data_designer.config import (
    ChatCompletionInferenceParams,
    DataDesignerConfigBuilder,
    DataFrameSeedSource,
    ExpressionColumnConfig,
    LLMStructuredColumnConfig,
    LLMTextColumnConfig,
    ModelConfig,
    ModelProvider,
)
from data_designer.interface import DataDesigner
from pydantic import BaseModel

opts = jobkit.args()
job = jobkit.load(opts.job)
prompts = job["prompts"]
THINK = (
    "{{ reply.split('</think>')[0].replace('<think>', '') | trim"
    " if '</think>' in reply else '(no reasoning given)' }}"
)


class Verdict(BaseModel):
    rationale: str
    score: int


def model(alias: str, temperature: float, max_tokens: int) -> ModelConfig:
    params = ChatCompletionInferenceParams(
        temperature=temperature, max_tokens=max_tokens, max_parallel_requests=job["concurrency"]
    )
    return ModelConfig(alias=alias, model=opts.model, provider="local", inference_parameters=params)


def column(name: str, messages: list[dict[str, str]], alias: str, **slots: str) -> dict[str, str]:
    """One prompt of the job as Data Designer's system prompt and Jinja user prompt: its
    few-shot turns are written into the user prompt (a column takes no message list)."""
    filled = jobkit.fill(messages, **slots)
    system = filled[0]["content"]
    shots = "\n\n".join(f"{m['role'].upper()}: {m['content']}" for m in filled[1:-1])
    user = (f"Examples:\n{shots}\n\n" if shots else "") + filled[-1]["content"]
    return {"name": name, "system_prompt": system, "prompt": user, "model_alias": alias}


builder = DataDesignerConfigBuilder(
    model_configs=[
        model("question", 0.7, job["question_max_tokens"]),
        model("answer", 0.7, job["answer_max_tokens"]),
        model("judge", 0.0, job["judge_max_tokens"]),
    ]
)
builder.with_seed_dataset(DataFrameSeedSource(df=pd.DataFrame({"topic": job["topics"]})))
builder.add_column(
    LLMTextColumnConfig(**column("question", prompts["question"], "question", topic="{{ topic }}"))
)
builder.add_column(
    LLMTextColumnConfig(**column("reply", prompts["answer"], "answer", question="{{ question }}"))
)
builder.add_column(ExpressionColumnConfig(name="reasoning", expr=THINK))
builder.add_column(ExpressionColumnConfig(name="answer", expr="{{ reply.split('</think>')[-1] | trim }}"))
judge = column(
    "verdict",
    prompts["judge"],
    "judge",
    question="{{ question }}",
    reasoning="{{ reasoning }}",
    answer="{{ answer }}",
)
builder.add_column(LLMStructuredColumnConfig(output_format=Verdict, **judge))

if __name__ == "__main__":
    designer = DataDesigner(
        artifact_path=opts.out / "artifacts",
        model_providers=[ModelProvider(name="local", endpoint=opts.base_url, api_key="none")],
    )
    frame = designer.create(builder, num_records=len(job["topics"])).load_dataset()
    rows = [
        {k: r[k] for k in ("topic", "question", "reasoning", "answer")} | {"score": r["verdict"]["score"]}
        for r in frame.to_dict("records")
    ]
    jobkit.report(opts.out, rows, job["threshold"])
