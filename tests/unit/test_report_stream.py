"""The run report reads the store once, holding a sample: its figures are those of the whole list."""

from syndgen.diversity import DiversityStream, diversity


def test_the_streamed_diversity_equals_the_diversity_of_the_whole_list():
    texts = [f"record {i} about {'cats' if i % 3 else 'dogs'} and {i % 7} things" for i in range(40)]

    def embed(batch):
        return [[len(t), t.count("a") + 1.0, t.count("o") + 2.0] for t in batch]

    stream = DiversityStream(len(texts), sample=10, seed=4)
    for text in texts:
        stream.add(text)
    assert stream.result(embed) == diversity(texts, embed=embed, sample=10, seed=4)
    assert len(stream.picked) == 10  # only the sample is held
