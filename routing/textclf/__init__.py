"""A small text classifier: character n-grams, a linear model, a compact model file.

Shared by the input guard's learned layer and the fast intent router. `train.train` fits it
with scikit-learn; the fitted model is exported to plain arrays (`model.TextClassifier`),
so loading (`model.load`) needs no pickle and no scikit-learn import, and predicting one
query is a sparse dot product. `evaluate.evaluate` scores a model on labelled texts.
"""
