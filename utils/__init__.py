"""Shared code for the recurrent-neural-network course.

Modules
-------
course    the course's address, the notebook list, the generated Colab badge and setup cell
env       notebook set-up: seeding, determinism, quiet TensorFlow import, environment report
scratch   NumPy reference implementations of recurrent cells (checked against Keras)
data      the offline data layer: pinned, hashed artifacts and the dataset loaders
plotting  figures shared by several notebooks
"""

__all__ = ["course", "data", "env", "plotting", "scratch"]
