"""
Pixels, HOG and k-means patch features
======================================

A linear model on raw pixels must find an expression at fixed pixels.
:class:`~sklearn_fer.preprocessing.HOGTransformer` describes each small cell
of the face by the directions of its edges instead, and
:class:`~sklearn_fer.preprocessing.PatchKMeansEncoder` by how much each patch
looks like each of a dictionary of patches learned from the faces (Coates,
Lee and Ng, 2011). Both are pooled over regions, so that a mouth a few
pixels away still lights up the same features.

This example runs on synthetic faces; set the environment variable
``SKLEARN_FER_DATA`` to FER2013's ``fer2013.csv.gz`` to run it on (a part of)
the real ones, where the patch features gain the most.
"""

import os
import time

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.collections import LineCollection
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_fer.datasets import load_fer2013, make_faces
from sklearn_fer.linear_model import SGDSoftmaxRegression
from sklearn_fer.preprocessing import HOGTransformer, PatchKMeansEncoder

if os.environ.get("SKLEARN_FER_DATA"):
    faces = load_fer2013(os.environ["SKLEARN_FER_DATA"])
    train = np.flatnonzero(faces.usage == "Training")[:5000]
    test = np.flatnonzero(faces.usage == "PublicTest")
    images, y = faces.images, faces.target
else:
    images, y = make_faces(2000, random_state=0, return_X_y=True)
    images = images.reshape(-1, 48, 48)
    train, test = np.arange(1500), np.arange(1500, 2000)

# %%
# Three representations, one linear model
# ---------------------------------------
# Each pipeline standardizes its features and fits the same softmax
# regression; only the features differ.


def classifier():
    return SGDSoftmaxRegression(max_iter=20, random_state=0)


pipelines = {
    "pixels": make_pipeline(StandardScaler(), classifier()),
    "HOG": make_pipeline(HOGTransformer(), StandardScaler(), classifier()),
    "patches": make_pipeline(
        PatchKMeansEncoder(n_components=128, n_patches=30_000, random_state=0),
        StandardScaler(),
        classifier(),
    ),
}
X = images.reshape(len(images), -1)
for name, pipeline in pipelines.items():
    started = time.perf_counter()
    pipeline.fit(X[train], y[train])
    seconds = time.perf_counter() - started
    accuracy = pipeline.score(X[test], y[test])
    n_features = pipeline[-1].coef_.shape[1]
    print(
        f"{name:>8}: {n_features:5d} features, accuracy {accuracy:.3f}, {seconds:.1f} s"
    )

# %%
# The learned dictionary
# ----------------------
# Each centroid is an 8 x 8 patch in the whitened space, learned from the
# faces without their labels: on FER2013, edges, bars and corners at every
# angle; on these synthetic faces, drawn with strong pixel noise, many
# centroids are whitened noise.
encoder = pipelines["patches"][0]
centers = encoder.cluster_centers_.reshape(-1, encoder.patch_size, encoder.patch_size)
fig, axes = plt.subplots(8, 16, figsize=(8, 4))
for center, ax in zip(centers, axes.ravel(), strict=True):
    ax.imshow(center, cmap="gray")
    ax.set_axis_off()
fig.suptitle("PatchKMeansEncoder: 128 centroids")

# %%
# HOG cells on a face
# -------------------
# With blocks of one cell, each cell's histogram is normalised on its own;
# drawing a line along the edge direction of each orientation bin, more
# opaque the fuller the bin is next to the cell's fullest, shows what HOG sees.
face = images[test[0]]
hog = HOGTransformer(pixels_per_cell=6, cells_per_block=1, block_norm="L1")
hog.fit(face[None])
cells = hog.transform(face[None]).reshape(8, 8, 9)
segments, weights = [], []
for row in range(8):
    for column in range(8):
        centre = np.array([column * 6 + 2.5, row * 6 + 2.5])
        histogram = cells[row, column]
        for o, share in enumerate(histogram / max(histogram.max(), 1e-12)):
            # The gradient's angle is measured from the columns axis towards
            # the rows axis; an edge runs perpendicular to its gradient.
            angle = np.pi * (o + 0.5) / 9 + np.pi / 2
            half = 3 * np.array([np.cos(angle), np.sin(angle)])
            segments.append([centre - half, centre + half])
            weights.append(share**2)
fig, (left, right) = plt.subplots(1, 2, figsize=(7, 3.5))
left.imshow(face, cmap="gray")
left.set_title("face")
right.imshow(np.zeros_like(face), cmap="gray")
right.add_collection(
    LineCollection(segments, colors="white", linewidths=1.5, alpha=np.array(weights))
)
right.set_title("HOG cells (6 x 6 pixels, 9 bins)")
for ax in (left, right):
    ax.set_axis_off()
