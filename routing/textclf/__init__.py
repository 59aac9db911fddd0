"""A small text classifier: character n-grams, a linear model, a compact model file.

Shared by the input guard's learned layer and the fast intent router. `train` fits it with
scikit-learn; the fitted model is exported to plain arrays (`TextClassifier`), so loading
needs no pickle and predicting one query is a sparse dot product in microseconds.
"""

from routing.textclf.evaluate import Report, evaluate
from routing.textclf.model import TextClassifier, load
from routing.textclf.train import train

__all__ = ["Report", "TextClassifier", "evaluate", "load", "train"]
