"""``syndgen validate``: how close, varied, useful, private and unbiased a synthetic set is.

The pieces, one job each: :mod:`.load` reads the two inputs (JSONL, CSV, Parquet, a run folder
or a Hugging Face ``datasets`` folder) as texts or as a table; :mod:`.embedding` holds the
metrics on sentence embeddings (MAUVE, Fréchet distance, manifold precision and recall, cluster
coverage); :mod:`.textstats` the metrics on the texts themselves (length and share distances,
distinct-n, near-duplicates); :mod:`.utility` train-on-synthetic / test-on-real;
:mod:`.privacy` distances to the closest record and copies; :mod:`.bias` sensitive-term shares;
:mod:`.tabular` SDMetrics' reports on tables; :mod:`.score` the overall score and verdict;
:mod:`.report` the JSON report and :mod:`.html` the offline HTML report; :mod:`.run` ties them.
"""
