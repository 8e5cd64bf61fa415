"""Docstring sections shared by the SGD linear estimators."""

#: Shared parameter section of the estimators' docstrings. The defaults were
#: chosen by 3-fold cross-validation on FER2013 Training (benchmarks/tune_defaults.py);
#: eta0='auto' replaced the tuned 0.01, within half a standard deviation of
#: the folds of its score there (python -m benchmarks.bench_linear step).
PARAMETERS_DOC = """
    penalty : {'l2', 'l1', 'elasticnet'} or None, default='l2'
        Regularisation term, ``alpha * (l1_ratio * ||w||_1 + (1 - l1_ratio) / 2
        * ||w||_2^2)`` as in :class:`~sklearn.linear_model.SGDClassifier`. With
        'l2', the objective is that of ``LogisticRegression(C=1 / (alpha *
        n_samples))``. The L1 part is applied by a proximal step.

    alpha : float, default=1e-2
        Regularisation strength.

    l1_ratio : float, default=0.15
        Share of L1 in the 'elasticnet' penalty.

    fit_intercept : bool, default=True
        Whether to learn an intercept (never penalised).

    max_iter : int, default=8
        Number of epochs (passes over the training data) of ``fit``: all of
        them unless ``tol`` or ``early_stopping`` stops it earlier. The
        default 8 is a training budget tuned by cross-validation, not a
        convergence limit: reaching it is no failure.

    tol : float or None, default=None
        Convergence test, as in scikit-learn's SGD: training stops when the
        monitored loss (the validation loss with ``early_stopping=True``,
        else the training objective) has not improved by at least ``tol`` for
        ``n_iter_no_change`` consecutive epochs (with
        ``learning_rate='adaptive'``, the step size is divided by 5 instead,
        until it falls below 1e-4 times ``eta0_``), and a
        ``ConvergenceWarning`` says when ``max_iter`` came first. None
        (default): no convergence test, ``fit`` runs ``max_iter`` epochs
        without warning; 'adaptive' still divides the step on epochs that do
        not improve at all.

    batch_size : int, default=128
        Number of samples per mini-batch (capped at the number of samples).
        The defaults suit FER2013-sized data (tens of thousands of faces); on a
        few hundred samples, use smaller batches or more epochs.

    learning_rate : {'constant', 'invscaling', 'adaptive'}, default='invscaling'
        Step-size schedule from the initial step ``eta0_``: ``eta0_``
        throughout; ``eta0_ / (t + 1) ** power_t`` after ``t`` updates; or
        ``eta0_`` divided by 5 on each plateau.

    eta0 : float or 'auto', default='auto'
        Initial step size, from which the schedule of ``learning_rate``
        starts. 'auto' computes it from the training data (the first chunk,
        for ``partial_fit``), so that SGD does not diverge whatever the scale
        of the inputs: ``1 / L``, the step of scikit-learn's SAG solver, with
        ``L`` bounding the curvature of the mean loss of a mini-batch of
        ``batch_size`` samples: ``c`` (1/4 binary, 1/2 softmax) times the
        expected largest eigenvalue of a mini-batch's second-moment matrix of
        ``[x, 1]`` (sample weights included), plus ``alpha`` times the L2
        share of the penalty. It is stable for any ``momentum``, with or
        without ``nesterov``. On standardized FER2013 this is about 0.006 for
        the softmax and 0.012 for the binary model (cross-validation had
        chosen 0.01 for both); on pixels of 0-255, about 5e-8. The step used
        is ``eta0_``. See the :ref:`User Guide <linear_models_guide>`.

    power_t : float, default=0.5
        Exponent of the 'invscaling' schedule.

    momentum : float, default=0.9
        Momentum of the updates, in ``[0, 1)``; 0 gives plain SGD.

    nesterov : bool, default=False
        Use Nesterov's momentum.

    early_stopping : bool, default=False
        Stop when the validation loss has not improved (by ``tol``, if set) for
        ``n_iter_no_change`` epochs, and restore the weights of the best epoch.
        The validation data come from ``eval_set`` if given to ``fit``, else from
        ``validation_fraction`` (0.1 when it is None).

    validation_fraction : float or None, default=None
        Share of the training data held out (stratified) to record the
        validation loss every epoch. None holds out nothing.

    n_iter_no_change : int, default=5
        Patience, in epochs, of the convergence test and of early stopping.

    class_weight : dict, 'balanced' or None, default=None
        Weights of the classes, multiplied into ``sample_weight``.

    warm_start : bool, default=False
        Start ``fit`` from the previous solution instead of zeros.

    random_state : int, RandomState instance or None, default=None
        Seeds the shuffling of the mini-batches and the validation split. An
        int gives bit-identical results from run to run.

    verbose : int, default=0
        Print one line per epoch (losses, step size, time).
"""

ATTRIBUTES_DOC = """
    classes_ : ndarray of shape (n_classes,)
        The class labels.

    intercept_ : ndarray of shape ({n_outputs},)
        Intercepts, in the dtype of the training data.

    n_features_in_ : int
        Number of features seen during ``fit``.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of the features, when ``X`` had string column names.

    n_iter_ : int
        Number of epochs run, ``partial_fit`` calls included; also the length of
        ``loss_curve_``.

    t_ : int
        Number of mini-batch updates made.

    eta0_ : float
        The initial step size: ``eta0``, or the one ``eta0='auto'`` computed
        from the data of ``fit`` (or of the first ``partial_fit`` call; later
        calls keep it while ``eta0`` stays 'auto').

    loss_curve_ : list of float
        Training objective per epoch: the mean weighted loss of the epoch's
        mini-batches plus the penalty at the end of the epoch.

    validation_loss_curve_ : list of float or None
        Validation log loss (no penalty, as :func:`sklearn.metrics.log_loss`
        computes it) after each epoch, when a validation set was used; else None.

    best_iteration_ : int
        The epoch (counted from 1) of the lowest validation loss, or of the
        lowest training objective without a validation set. With
        ``early_stopping=True`` the weights are those of this epoch.

    training_loss_name : str
        What ``loss_curve_`` measures, 'log loss + penalty' (a class
        attribute; :class:`~sklearn_fer.inspection.LossCurveDisplay` labels
        the curve with it).
"""
