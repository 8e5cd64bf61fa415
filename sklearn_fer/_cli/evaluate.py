"""``sklearn-fer evaluate``: score a saved model on a split of FER2013."""

from pathlib import Path

from ..datasets import USAGES
from ._data import load_faces
from ._labels import fer2013_target, labels_for
from ._options import (
    COMMON_OPTIONS,
    DATA_OPTIONS,
    MODEL_FILE_OPTIONS,
    OUTPUT_OPTIONS,
    data_path,
)
from ._outputs import Outputs
from ._reporting import (
    estimator_params,
    file_facts,
    print_scores,
    scores,
    versions,
    write_report,
)

HELP = "score a saved model on a split of FER2013"
DESCRIPTION = (
    "Print accuracy, balanced accuracy, log loss (and ROC AUC for binary "
    "models) of a saved model on one split."
)
EXAMPLES = [
    "sklearn-fer evaluate --model happy.skops --data fer2013.csv.gz",
    "sklearn-fer evaluate --model cnn.skops --data "
    "fer2013.csv.gz --usage Training --report cnn-training",
]
PARENTS = [MODEL_FILE_OPTIONS, DATA_OPTIONS, OUTPUT_OPTIONS, COMMON_OPTIONS]


def add_arguments(parser):
    parser.add_argument(
        "--usage",
        default="PublicTest",
        choices=list(USAGES),
        help=f"the split to score, one of {', '.join(USAGES)}",
    )
    parser.add_argument(
        "--report",
        metavar="DIR",
        help="also write metrics.json and the plots there (default: no report)",
    )


def outputs(args) -> Outputs:
    return Outputs(
        inputs=[data_path(args, required=False), args.model],
        folders={"--report": args.report} if args.report else {},
        force=args.force,
    )


def load(args):
    """The model of ``--model FILE``, loaded as ``--format`` and ``--trust`` say.

    It must be a classifier (``predict_proba``, ``classes_``): a file holding
    a scaler alone, say, is refused here, by name, not when first used.
    """
    from ..utils import load_model
    from ..utils._fitted_state import check_loaded_classifier

    model = load_model(args.model, format=args.format, trust=args.trust)
    check_loaded_classifier(model, args.model)
    return model


def _scored(model, X, y, args):
    """``scores``, with an error of the model naming its file."""
    try:
        return scores(model, X, y)
    except (ValueError, TypeError, AttributeError, IndexError) as exc:
        raise ValueError(
            f"{args.model} cannot score these faces ({type(exc).__name__}: {exc})."
        ) from exc


def run(args):
    from ..utils._pipeline import final_step
    from ._models import features_of

    model = load(args)
    path = data_path(args)
    target = fer2013_target(model)
    faces = load_faces(path, target=target, usage=args.usage, labelled=True)
    y = labels_for(model, faces)
    split_scores, predicted = _scored(model, faces.data, y, args)
    print_scores(f"{args.usage} scores of {args.model} ({len(y)} faces)", split_scores)
    if args.report:
        estimator = final_step(model)
        metrics = {
            "command": "evaluate",
            "model": repr(estimator),
            "model_file": file_facts(args.model),
            "params": estimator_params(model),
            "features": features_of(model),
            "target": target,
            "target_names": faces.target_names.tolist(),
            "data": file_facts(path),
            "scored_on": args.usage,
            "n_scored": len(y),
            "scores": split_scores,
            "versions": versions(),
        }
        with args.outputs.folder("--report") as staging:
            write_report(
                staging,
                model,
                y,
                predicted,
                metrics,
                subject=f"{type(estimator).__name__} from {Path(args.model).name}",
                scored_on=f"{args.usage} of {Path(path).name}",
            )
        args.outputs.publish()
        print(f"report: {args.report}")
