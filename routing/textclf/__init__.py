"""A small text classifier: character n-grams, a linear model, a compact model file.

Shared by the input guard's learned layer and the fast intent router. `train.train` fits it
with scikit-learn; the fitted model is exported to plain arrays (`model.TextClassifier`),
so loading (`model.load`) needs no pickle and no scikit-learn import, and predicting one
query is a sparse dot product. `evaluate.evaluate` scores a model on labelled texts.

Measured on the guard's model (16k features, three classes; CPU, one process): predicting a
question of 20-70 characters costs 0.13-0.36 ms the first time its words are seen and
0.03-0.05 ms after (each word's n-gram indices are cached); training on 3,000 texts takes
a few seconds.
"""
