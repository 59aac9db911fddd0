"""The fast pre-router: a local text classifier that routes clear queries without the LLM.

`dataset` reads the labelled bilingual queries, `model` wraps two `routing.textclf`
classifiers (intent, complexity) with a calibrated confidence and a threshold,
`training` fits and chooses the threshold, `evaluation` scores a model, `recording`
buffers the LLM classifier's decisions and routing counts off the hot path. See
docs/ROUTER.md.
"""
