"""The full training objective of the SGD engine, as the tests check it."""

from sklearn_fer.linear_model._sgd import loss_gradient


def objective_gradient(loss, penalty, coef, intercept, X, y, sample_weight):
    """The full training objective and its (sub)gradient."""
    value, grad_coef, grad_intercept = loss_gradient(
        loss, coef, intercept, X, y, sample_weight, sample_weight.sum()
    )
    return (
        value + penalty.value(coef),
        grad_coef + penalty.subgradient(coef),
        grad_intercept,
    )
