"""The job in distilabel 1.5: three ChatGeneration tasks on OpenAILLM, chained by small steps."""

import jobkit
from distilabel.models import OpenAILLM
from distilabel.pipeline import Pipeline
from distilabel.steps import LoadDataFromDicts, StepInput, step
from distilabel.steps.tasks import ChatGeneration

opts = jobkit.args()
job = jobkit.load(opts.job)
prompts, batch = job["prompts"], job["concurrency"]


def llm(temperature: float, max_tokens: int) -> OpenAILLM:
    return OpenAILLM(
        model=opts.model,
        base_url=opts.base_url,
        api_key="none",
        generation_kwargs={"temperature": temperature, "max_new_tokens": max_tokens},
    )


@step(inputs=["topic"], outputs=["messages"])
def QuestionPrompt(inputs: StepInput):
    for row in inputs:
        row["messages"] = jobkit.fill(prompts["question"], topic=row["topic"])
    yield inputs


@step(inputs=["question"], outputs=["messages"])
def AnswerPrompt(inputs: StepInput):
    for row in inputs:
        row["messages"] = jobkit.fill(prompts["answer"], question=row["question"] or "")
    yield inputs


@step(inputs=["question", "reply"], outputs=["messages", "reasoning", "answer"])
def JudgePrompt(inputs: StepInput):
    for row in inputs:
        row["reasoning"], row["answer"] = jobkit.split_answer(row["reply"])
        row["messages"] = jobkit.fill(
            prompts["judge"], question=row["question"] or "", reasoning=row["reasoning"], answer=row["answer"]
        )
    yield inputs


with Pipeline(name="peers-qa", cache_dir=str(opts.out / "cache")) as pipeline:
    topics = LoadDataFromDicts(data=[{"topic": t} for t in job["topics"]], batch_size=batch)
    ask = ChatGeneration(
        llm=llm(0.7, job["question_max_tokens"]),
        input_batch_size=batch,
        output_mappings={"generation": "question"},
    )
    answer = ChatGeneration(
        llm=llm(0.7, job["answer_max_tokens"]),
        input_batch_size=batch,
        output_mappings={"generation": "reply"},
    )
    judge = ChatGeneration(
        llm=llm(0.0, job["judge_max_tokens"]),
        input_batch_size=batch,
        output_mappings={"generation": "verdict"},
    )
    topics >> QuestionPrompt() >> ask >> AnswerPrompt() >> answer >> JudgePrompt() >> judge

if __name__ == "__main__":
    distiset = pipeline.run(use_cache=False)
    rows = [
        {k: r[k] for k in ("topic", "question", "reasoning", "answer")}
        | {"score": jobkit.score(r["verdict"])}
        for r in distiset["default"]["train"]
    ]
    jobkit.report(opts.out, rows, job["threshold"])
