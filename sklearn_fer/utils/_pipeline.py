"""The estimator at the end of a pipeline (or the estimator itself)."""


def final_step(model):
    """``model``'s last step if it is a Pipeline, else ``model``."""
    return model[-1] if hasattr(model, "steps") else model
