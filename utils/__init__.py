"""Shared code for the recurrent-neural-network course.

Modules
-------
course       the course's address, the notebook list, the generated Colab badge and setup cell
env          notebook set-up: seeding, determinism, quiet TensorFlow import, environment report
scratch      NumPy reference implementations of recurrent cells, forward and backward (checked against Keras)
gradcheck    finite-difference gradients and the relative error used to compare them
tasks        small synthetic tasks that isolate memory over a known distance
experiments  training runs on those tasks shared by the theory notebooks
data         the offline data layer: pinned, hashed artifacts and the dataset loaders
plotting     figures shared by several notebooks
video        the generated action-recognition clips (shapes that move, grow or turn)
audio        from a waveform to MFCC frames; digit strings and greedy decoding for CTC
language     GloVe-style word tokens, character vocabularies, a Kneser-Ney n-gram model, English-German number phrases
charlm       character-level GRU language models: scoring, generation and the checkpoint trainer
metrics      confusion matrices, per-class accuracy, edit distance and error rates, McNemar and bootstrap (NumPy only)
training     Keras training helpers: time per epoch
checks       the exercises' checks: a pass line, or a message that names the mistake
coursework   student versions of the notebooks (solutions removed)
"""

__all__ = ["audio", "charlm", "checks", "course", "coursework", "data", "env", "experiments", "gradcheck", "language",
           "metrics", "plotting", "scratch", "tasks", "training", "video"]
