"""The job in Bespoke Curator: three curator.LLM classes, each a prompt and a parse."""

from __future__ import annotations

import jobkit
from bespokelabs import curator
from datasets import Dataset

opts = jobkit.args()
job = jobkit.load(opts.job)
prompts = job["prompts"]
server = {
    "base_url": opts.base_url,
    "api_key": "none",
    "max_concurrent_requests": job["concurrency"],
    "max_requests_per_minute": 100_000,
    "max_tokens_per_minute": 100_000_000,
}


class Ask(curator.LLM):
    def prompt(self, row):
        return jobkit.fill(prompts["question"], topic=row["topic"])

    def parse(self, row, response):
        return {"topic": row["topic"], "question": response.strip()}


class Answer(curator.LLM):
    def prompt(self, row):
        return jobkit.fill(prompts["answer"], question=row["question"])

    def parse(self, row, response):
        reasoning, answer = jobkit.split_answer(response)
        return {**row, "reasoning": reasoning, "answer": answer}


class Judge(curator.LLM):
    def prompt(self, row):
        return jobkit.fill(
            prompts["judge"], question=row["question"], reasoning=row["reasoning"], answer=row["answer"]
        )

    def parse(self, row, response):
        return {**row, "score": jobkit.score(response)}


def llm(cls, temperature: float, max_tokens: int):
    return cls(
        model_name=opts.model,
        backend="openai",
        generation_params={"temperature": temperature, "max_tokens": max_tokens},
        backend_params=server,
    )


def rows(result):
    return getattr(result, "dataset", result)


if __name__ == "__main__":
    topics = Dataset.from_list([{"topic": t} for t in job["topics"]])
    questions = rows(llm(Ask, 0.7, job["question_max_tokens"])(topics))
    answers = rows(llm(Answer, 0.7, job["answer_max_tokens"])(questions))
    judged = rows(llm(Judge, 0.0, job["judge_max_tokens"])(answers))
    jobkit.report(opts.out, list(judged), job["threshold"])
