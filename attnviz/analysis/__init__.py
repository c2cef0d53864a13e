"""Analysis: a Sequence (or a model's tokens) + options -> typed results the views read.

results.py   the result types: VectorSetAnalysis, ModelAnalysis, LongAnalysis
vectorset.py one layer of self-attention over any Sequence (dense, or blockwise top-k when long)
model.py     a pretrained encoder's layers × heads
summaries.py what a head does in numbers (entropy, shares), rankings, strongest links, nearest words
"""
