"""A shipped model's card: markdown written from the facts ``build`` measured."""

from __future__ import annotations

LIMITS = (
    "FER2013's faces are 48 x 48 grey crops, mostly frontal, found by a face "
    "detector in web images; its labels are noisy (human accuracy on it is "
    "about 65%: Goodfellow et al., 2013) and its people are not a balanced "
    "sample of ages, skin tones or cultures, so the scores above need not "
    "hold for your faces. A facial expression is not an emotion felt. Not "
    "for decisions about people (hiring, policing, health, education)."
)


def card_text(facts: dict) -> str:
    """The markdown card of one shipped model, from its ``facts``."""
    data = facts["data"]
    scores = facts["scores"]
    recall = "\n".join(
        f"| {name} | {value:.4f} |" for name, value in facts["recall"].items()
    )
    versions = ", ".join(
        f"{name} {version}" for name, version in facts["versions"].items()
    )
    return f"""# {facts["name"]}

{facts["description"]}.

## Model

`{facts["model"]}`

Fit on the {facts["n_train"]} Training faces of `{data["name"]}` (SHA-256
`{data["sha256"]}`), seeded (`random_state={facts["random_state"]}`);
nothing was chosen by its PublicTest scores. File: `{facts["file"]["name"]}`,
{facts["file"]["size_bytes"]} bytes, SHA-256 `{facts["file"]["sha256"]}`.
{_unchecked_fit(facts)}{_shipped_form(facts)}Built{_fit_time(facts)} by

    {facts["command"]}

with {versions}.

## How to use

```python
from sklearn_fer.pretrained import load_pretrained

model = load_pretrained("{facts["name"]}")
model.predict(faces)  # rows of 48 x 48 grey pixels, 0-255
model.target_names_[model.predict(faces)]  # the emotions' names
```

or on photos, faces found first: `sklearn-fer predict photo.jpg`.

## PublicTest scores

On the {int(scores["n_faces"])} PublicTest faces of the same file.

| score | value |
|---|---|
| accuracy | {scores["accuracy"]:.4f} |
| macro-F1 | {scores["f1_macro"]:.4f} |
| balanced accuracy | {scores["balanced_accuracy"]:.4f} |
| log loss | {scores["log_loss"]:.4f} |
| expected calibration error (15 bins) | {scores["expected_calibration_error"]:.4f} |
| faces a second (prediction, this machine) | {scores["faces_per_second"]:.0f} |

The reliability diagram (accuracy against confidence per bin) is
`{facts["name"]}-reliability.png` beside this card in a checkout, and in
the user guide.

Recall per emotion:

| emotion | recall |
|---|---|
{recall}

## Limits

{LIMITS}
"""


def _fit_time(facts: dict) -> str:
    seconds = facts["fit_time_seconds"]
    return "" if seconds is None else f" ({seconds / 60:.0f} min of training)"


def _unchecked_fit(facts: dict) -> str:
    """A warning where the fit was read from a file (``--fitted``) that came
    without a record of its data, so that the line above is not checked."""
    if facts.get("fit_data_checked", True):
        return ""
    return (
        "\nThe fit was read from a kept file (`--fitted`) that has no record\n"
        "of its data: that it was fit on this file is not checked.\n"
    )


def _shipped_form(facts: dict) -> str:
    """What the shipped form changed, where it is not the model as fitted."""
    fitted = facts.get("fitted")
    if fitted is None:
        return ""
    shipped_as = fitted.get("shipped_as") or "converted"
    how = (
        f"It is shipped {shipped_as}"
        if fitted["model"] == facts["model"]
        else f"It was fitted as `{fitted['model']}` and is shipped\n{shipped_as}"
    )
    return f"""
{how}: on PublicTest the model as fitted
scores {fitted["accuracy"]:.4f}, the two
predict the same emotion for {fitted["same_predictions"]:.2%} of the faces
and their probabilities differ by at most
{fitted["max_probability_difference"]:.1e}.

"""


def reliability_png(facts: dict) -> bytes:
    """The reliability diagram of the facts' PublicTest predictions, as PNG.

    Per confidence bin, the accuracy of the most probable class against its
    mean confidence (on the diagonal: calibrated), and the share of faces.
    """
    import io

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    bins = facts["reliability"]
    n_bins = len(bins["share"])
    edges = [i / n_bins for i in range(n_bins + 1)]
    filled = [i for i, share in enumerate(bins["share"]) if share]
    figure, (top, bottom) = plt.subplots(
        2, 1, figsize=(4.5, 5), sharex=True, height_ratios=(3, 1), layout="constrained"
    )
    top.plot([0, 1], [0, 1], color="grey", linestyle=":", label="calibrated")
    top.bar(
        [edges[i] for i in filled],
        [bins["accuracy"][i] for i in filled],
        width=1 / n_bins,
        align="edge",
        edgecolor="black",
        alpha=0.7,
        label="accuracy",
    )
    top.plot(
        [bins["confidence"][i] for i in filled],
        [bins["accuracy"][i] for i in filled],
        "o",
        color="tab:red",
        label="at the mean confidence",
    )
    top.set_ylabel("accuracy")
    top.set_ylim(0, 1)
    top.set_title(
        f"{facts['name']} on PublicTest (ECE "
        f"{facts['scores']['expected_calibration_error']:.3f})",
        fontsize="medium",
    )
    top.legend(loc="upper left", fontsize="small")
    bottom.bar(edges[:-1], bins["share"], width=1 / n_bins, align="edge")
    bottom.set_xlabel("confidence (largest probability)")
    bottom.set_ylabel("share")
    bottom.set_xlim(0, 1)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=80)
    plt.close(figure)
    return buffer.getvalue()
