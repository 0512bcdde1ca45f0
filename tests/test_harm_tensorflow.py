"""The harm each rule prevents, measured by running TensorFlow / Keras on CPU.

These tests do not exercise xentlint itself: they pin down, numerically, why each rule
exists, so that a change in TensorFlow or Keras that removes (or moves) the harm shows up
here. Reference values are computed independently with the ``math`` module; the numbers
quoted from ``docs/article.md`` were measured on TensorFlow 2.21.0 / Keras 3.15.1.

TensorFlow is a test dependency (``tensorflow-cpu``): it is imported inside each test on
purpose, without ``importorskip``, so that a missing or broken install fails loudly while
``-m "not tensorflow"`` still works without it.
"""

from __future__ import annotations

import math
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import pytest  # noqa: E402

pytestmark = pytest.mark.tensorflow

EPS = 1e-7  # keras.backend.epsilon(), the clip used by the probability losses


# --- independent references (plain math, no TensorFlow, no numpy) -----------------------


def _softmax(row: list[float]) -> list[float]:
    top = max(row)
    exps = [math.exp(v - top) for v in row]
    total = sum(exps)
    return [e / total for e in exps]


def _softmax_xent(labels: list[float], logits: list[float]) -> float:
    """Cross-entropy of a label distribution against softmax(logits)."""
    top = max(logits)
    lse = top + math.log(sum(math.exp(v - top) for v in logits))
    return sum(y * (lse - z) for y, z in zip(labels, logits, strict=True))


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


def _sigmoid_xent(label: float, logit: float) -> float:
    """-[y log s(z) + (1-y) log(1-s(z))], written in the overflow-free form."""
    return max(logit, 0.0) - logit * label + math.log1p(math.exp(-abs(logit)))


def _bce_prob(labels: list[float], probs: list[float]) -> float:
    """Mean binary cross-entropy over the units of one row of probabilities."""
    terms = [
        -(y * math.log(p) + (1 - y) * math.log(1 - p)) for y, p in zip(labels, probs, strict=True)
    ]
    return sum(terms) / len(terms)


@pytest.fixture(autouse=True)
def _seeded():
    import keras

    keras.utils.set_random_seed(0)


def _identity_model(units: int, activation: str | None = None):
    """A Dense layer whose outputs before activation equal its inputs (logits = x)."""
    import keras

    return keras.Sequential(
        [
            keras.Input((units,)),
            keras.layers.Dense(
                units, activation=activation, kernel_initializer="identity", use_bias=False
            ),
        ]
    )


# --- XEN101 double-activation ------------------------------------------------------------

LOGITS_3 = [[2.0, 1.0, 0.1], [0.5, 2.5, -1.0], [-0.3, 0.2, 3.0]]
ONE_HOT_3 = [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [1.0, 0.0, 0.0]]


def test_xen101_softmax_xent_op_on_softmax_output_is_wrong():
    import numpy as np
    import tensorflow as tf

    z = np.array(LOGITS_3, dtype="float32")
    y = np.array(ONE_HOT_3, dtype="float32")
    right = tf.nn.softmax_cross_entropy_with_logits(labels=y, logits=z).numpy()
    twice = tf.nn.softmax_cross_entropy_with_logits(labels=y, logits=tf.nn.softmax(z)).numpy()

    ref = [_softmax_xent(yr, zr) for yr, zr in zip(ONE_HOT_3, LOGITS_3, strict=True)]
    ref_twice = [
        _softmax_xent(yr, _softmax(zr)) for yr, zr in zip(ONE_HOT_3, LOGITS_3, strict=True)
    ]
    assert right.tolist() == pytest.approx(ref, rel=1e-5)
    assert twice.tolist() == pytest.approx(ref_twice, rel=1e-5)
    # measured: mean 1.3211397 on logits, 0.9791977 on softmax outputs
    assert float(right.mean()) == pytest.approx(1.3211397, rel=1e-5)
    assert float(twice.mean()) == pytest.approx(0.9791977, rel=1e-5)
    # the double softmax squashes the scores: the confidently wrong third row (true class
    # has logit -0.3 against 3.0) is charged 1.49 instead of 3.39
    assert twice[2] < 0.5 * right[2]


def test_xen101_sigmoid_xent_op_on_sigmoid_output_is_wrong():
    import numpy as np
    import tensorflow as tf

    logits = [1.5, -2.0, 0.3]
    labels = [1.0, 0.0, 0.0]
    z = np.array([[v] for v in logits], dtype="float32")
    y = np.array([[v] for v in labels], dtype="float32")
    right = tf.nn.sigmoid_cross_entropy_with_logits(labels=y, logits=z).numpy().ravel()
    twice = tf.nn.sigmoid_cross_entropy_with_logits(labels=y, logits=tf.sigmoid(z))
    twice = twice.numpy().ravel()

    assert right.tolist() == pytest.approx(
        [_sigmoid_xent(a, b) for a, b in zip(labels, logits, strict=True)], rel=1e-5
    )
    assert twice.tolist() == pytest.approx(
        [_sigmoid_xent(a, _sigmoid(b)) for a, b in zip(labels, logits, strict=True)], rel=1e-5
    )
    # a sigmoid output lies in (0, 1), so a second sigmoid sees a logit >= 0: every
    # negative example is charged at least log 2, however sure the model was
    assert twice[1] == pytest.approx(0.75452375, rel=1e-5)
    assert right[1] == pytest.approx(0.126928, rel=1e-5)
    assert min(twice[1:]) > math.log(2)


def test_xen101_softmax_is_not_idempotent():
    import tensorflow as tf

    x = tf.nn.softmax(tf.constant([1.0, 2.0, 3.0]))
    once = x.numpy()
    assert once.tolist() == pytest.approx(_softmax([1.0, 2.0, 3.0]), rel=1e-5)
    ref = [1.0, 2.0, 3.0]
    for _ in range(10):
        ref = _softmax(ref)
    for _ in range(9):
        x = tf.nn.softmax(x)
    ten = x.numpy()
    # the article, row 7: ten applications give [0.33332, 0.33333, 0.33335]
    assert ten.tolist() == pytest.approx(ref, abs=1e-6)
    assert ten.tolist() == pytest.approx([0.3333211, 0.333327, 0.3333519], abs=1e-6)
    assert ten.max() - ten.min() < 5e-5
    assert once.max() - once.min() > 0.5  # one softmax keeps the ranking clearly visible


def test_xen101_keras_tf_backend_repairs_compile_but_not_a_custom_loss_call():
    import keras
    import numpy as np

    x = np.array(LOGITS_3, dtype="float32")  # identity kernel: these are the logits
    y = np.array([0, 1, 0])
    model = _identity_model(3, "softmax")
    ref = sum(_softmax_xent(yr, zr) for yr, zr in zip(ONE_HOT_3, LOGITS_3, strict=True)) / 3

    model.compile(loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    with pytest.warns(UserWarning, match="from_logits=True"):
        compiled = model.evaluate(x, y, verbose=0)
    # TensorFlow backend: Keras finds the pre-softmax logits and computes the right loss
    assert compiled == pytest.approx(ref, rel=1e-5)

    # the same loss on the predicted probabilities (a custom loop, a metric, post-hoc
    # evaluation) is double-softmaxed, on this backend too, without any warning
    probs = model.predict(x, verbose=0)
    custom = keras.losses.SparseCategoricalCrossentropy(from_logits=True)(y, probs)
    ref_twice = (
        sum(_softmax_xent(yr, _softmax(zr)) for yr, zr in zip(ONE_HOT_3, LOGITS_3, strict=True)) / 3
    )
    assert float(custom) == pytest.approx(ref_twice, rel=1e-5)
    assert float(custom) == pytest.approx(0.9791977, rel=1e-5)
    assert float(custom) != pytest.approx(ref, rel=0.1)


def test_xen101_softmax_wrapper_around_softmax_model():
    import keras
    import numpy as np

    inner = _identity_model(3, "softmax")
    wrapped = keras.Sequential([inner, keras.layers.Softmax()])
    x = np.array(LOGITS_3, dtype="float32")
    once = inner.predict(x, verbose=0)
    twice = wrapped.predict(x, verbose=0)
    for row, o, t in zip(LOGITS_3, once, twice, strict=True):
        assert o.tolist() == pytest.approx(_softmax(row), rel=1e-5)
        assert t.tolist() == pytest.approx(_softmax(_softmax(row)), rel=1e-5)
    # [2, 1, 0.1]: the top class falls from 0.66 to 0.45
    assert float(once[0, 0]) == pytest.approx(0.6590012, rel=1e-5)
    assert float(twice[0, 0]) == pytest.approx(0.4483770, rel=1e-5)


# --- XEN102 logits-into-probability-loss -------------------------------------------------


def test_xen102_article_rows_4_5_6():
    import keras
    import numpy as np
    import tensorflow as tf

    y = np.array([[0.0, 1.0]], dtype="float32")
    scores = np.array([[5.0, 7.0]], dtype="float32")
    wrong = float(keras.losses.CategoricalCrossentropy()(y, scores))
    right = float(keras.losses.CategoricalCrossentropy(from_logits=True)(y, scores))
    explicit = float(keras.losses.CategoricalCrossentropy()(y, tf.nn.softmax(scores)))

    # the probability loss divides by the row sum: -log(7 / 12)
    assert wrong == pytest.approx(-math.log(7 / 12), rel=1e-6)
    assert wrong == pytest.approx(0.5389965, rel=1e-6)
    assert right == pytest.approx(_softmax_xent([0, 1], [5, 7]), rel=1e-6)
    assert right == pytest.approx(0.12692805, rel=1e-6)
    assert explicit == pytest.approx(0.126928, rel=1e-5)
    assert wrong > 4 * right

    # a negative score: the row [3, -1] normalises to [1.5, -0.5]; the true class is
    # clipped to 1e-7, so the loss is stuck at -log(1e-7) and no gradient flows
    neg = tf.constant([[3.0, -1.0]])
    with tf.GradientTape() as tape:
        tape.watch(neg)
        stuck = keras.losses.CategoricalCrossentropy()(y, neg)
    assert float(stuck) == pytest.approx(-math.log(EPS), rel=1e-5)
    # the clip at EPS cuts the gradient: nothing moves the scores (|g| < 1e-6 everywhere)
    assert tape.gradient(stuck, neg).numpy().ravel().tolist() == pytest.approx([0.0, 0.0], abs=1e-6)


def test_xen102_linear_model_gets_wrong_loss_silently_and_fix_keeps_predictions():
    import warnings

    import keras
    import numpy as np

    x = np.array([[5.0, 7.0]], dtype="float32")
    y = np.array([[0.0, 1.0]], dtype="float32")
    model = _identity_model(2)  # linear last layer: predict returns the scores
    model.compile(loss=keras.losses.CategoricalCrossentropy())
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        wrong = model.evaluate(x, y, verbose=0)
        before = model.predict(x, verbose=0)
    assert not [w for w in caught if "logit" in str(w.message)]  # Keras says nothing
    assert wrong == pytest.approx(0.5389965, rel=1e-6)

    model.compile(loss=keras.losses.CategoricalCrossentropy(from_logits=True))
    assert model.evaluate(x, y, verbose=0) == pytest.approx(0.12692805, rel=1e-6)
    # the fix (from_logits=True) only changes the loss: model.predict is unchanged
    assert model.predict(x, verbose=0).ravel().tolist() == pytest.approx(
        before.ravel().tolist(), rel=1e-6
    )


# --- XEN103 softmax-over-one-unit --------------------------------------------------------


def test_xen103_softmax_over_one_unit_is_constant_one():
    import keras
    import numpy as np
    import tensorflow as tf

    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1, activation="softmax")])
    x = np.random.default_rng(0).normal(scale=5.0, size=(16, 4)).astype("float32")
    out = model.predict(x, verbose=0)
    assert out.shape == (16, 1)
    # 1 whatever the input (to float32 rounding: some CPUs' vectorised exp give 1 - 6e-8),
    # although the inputs' logits spread over tens of units
    assert out.ravel().tolist() == pytest.approx([1.0] * 16, abs=1e-6)
    assert float(np.ptp(out)) < 1e-6

    z = tf.constant([[-3.0], [0.0], [4.0]])
    with tf.GradientTape() as tape:
        tape.watch(z)
        p = tf.nn.softmax(z, axis=-1)
    assert tape.gradient(p, z).numpy().ravel().tolist() == pytest.approx([0.0] * 3, abs=1e-6)


def test_xen103_training_never_moves_the_predictions():
    import keras
    import numpy as np

    rng = np.random.default_rng(1)
    x = rng.normal(size=(8, 4)).astype("float32")
    y = (x[:, :1] > 0).astype("float32")
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1, activation="softmax")])
    model.compile(
        loss="binary_crossentropy", optimizer=keras.optimizers.SGD(0.5), metrics=["accuracy"]
    )
    history = model.fit(x, y, epochs=4, verbose=0).history
    # the predictions stay 1.0, so accuracy is frozen at the share of positive labels
    assert model.predict(x, verbose=0).ravel().tolist() == pytest.approx([1.0] * 8, abs=1e-6)
    assert history["accuracy"] == pytest.approx([float(y.mean())] * 4)
    # TensorFlow backend: the compiled loss is fed the pre-softmax logits (through a
    # sigmoid), so the loss even goes down while the outputs never change
    assert history["loss"][-1] < history["loss"][0]


# --- XEN104 categorical-loss-on-one-unit -------------------------------------------------


def test_xen104_categorical_loss_on_one_unit_ignores_the_labels():
    import keras
    import numpy as np
    import tensorflow as tf

    probs = [0.2, 0.7, 0.9, 0.1]
    labels = [0.0, 1.0, 0.0, 1.0]
    y = np.array([[v] for v in labels], dtype="float32")
    flipped = 1.0 - y
    z = tf.constant([[math.log(p / (1 - p))] for p in probs])  # logits of probs
    cce = keras.losses.CategoricalCrossentropy()
    with tf.GradientTape() as tape:
        tape.watch(z)
        loss = cce(y, tf.sigmoid(z))
    grad = tape.gradient(loss, z).numpy().ravel()

    # each row is divided by its own sum (= itself): every prediction becomes 1.0
    assert float(loss) < 2 * EPS  # measured 5.96e-08
    assert float(cce(flipped, tf.sigmoid(z))) < 2 * EPS
    assert grad.tolist() == pytest.approx([0.0] * 4, abs=1e-6)  # no learning signal at all

    bce = keras.losses.BinaryCrossentropy()
    p = np.array([[v] for v in probs], dtype="float32")
    assert float(bce(y, p)) == pytest.approx(_bce_prob(labels, probs), rel=1e-5)
    assert float(bce(y, p)) == pytest.approx(1.2962471, rel=1e-5)
    assert float(bce(flipped, p)) == pytest.approx(0.75603294, rel=1e-5)


def test_xen104_compiled_one_unit_model_reports_zero_loss_for_any_labels():
    import keras
    import numpy as np
    import tensorflow as tf

    x = np.random.default_rng(2).normal(size=(8, 4)).astype("float32")
    y = (x[:, :1] > 0).astype("float32")
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1, activation="sigmoid")])
    model.compile(loss="categorical_crossentropy")
    assert model.evaluate(x, y, verbose=0) == pytest.approx(0.0, abs=1e-6)
    assert model.evaluate(x, 1.0 - y, verbose=0) == pytest.approx(0.0, abs=1e-6)
    # TensorFlow backend: the fused softmax op's gradient (softmax - label = 1 - y) is not
    # the gradient of that zero loss: the weights move although the reported loss is 0
    before = [w.copy() for w in model.get_weights()]
    model.compile(loss="categorical_crossentropy", optimizer=keras.optimizers.SGD(0.1))
    history = model.fit(x, y, epochs=1, batch_size=8, verbose=0).history
    assert history["loss"] == pytest.approx([0.0], abs=1e-6)
    bias_before, bias_after = float(before[1][0]), float(model.get_weights()[1][0])
    # the bias gradient is the number of label-0 samples over the batch size
    share_of_zeros = float((y == 0).mean())
    assert bias_after - bias_before == pytest.approx(-0.1 * share_of_zeros, rel=1e-4)

    # the sparse variant with 0/1 labels: label 1 is out of range for one unit
    sparse = keras.losses.SparseCategoricalCrossentropy()
    ids, one_unit = np.array([0, 0]), np.array([[0.3], [0.8]], "float32")
    assert float(sparse(ids, one_unit)) == pytest.approx(0.0, abs=1e-6)
    with pytest.raises(tf.errors.InvalidArgumentError):
        sparse(np.array([0, 1]), np.array([[0.3], [0.8]], "float32"))


# --- XEN105 binary-loss-on-softmax -------------------------------------------------------


def test_xen105_binary_accuracy_inflated_on_single_label_softmax():
    import keras
    import numpy as np

    # three-class softmax rows whose top class is always wrong
    probs = np.array([[0.40, 0.35, 0.25], [0.50, 0.20, 0.30], [0.2, 0.3, 0.5]], "float32")
    y = np.array([[0, 1, 0], [0, 0, 1], [1, 0, 0]], "float32")
    binary = keras.metrics.BinaryAccuracy()
    binary.update_state(y, probs)
    categorical = keras.metrics.CategoricalAccuracy()
    categorical.update_state(y, probs)
    assert float(categorical.result()) == pytest.approx(0.0, abs=1e-6)
    assert float(binary.result()) == pytest.approx(2 / 3, rel=1e-6)

    # with exactly two units the two losses agree (the article, row 2), hence no finding
    y2 = np.array([[0.0, 1.0], [0.0, 1.0]], "float32")
    p2 = np.array([[0.05, 0.95], [0.8, 0.2]], "float32")
    c2 = float(keras.losses.CategoricalCrossentropy()(y2, p2))
    b2 = float(keras.losses.BinaryCrossentropy()(y2, p2))
    assert c2 == pytest.approx(0.8303656, rel=1e-5)
    assert b2 == pytest.approx(c2, rel=1e-5)


def test_xen105_compiled_binary_loss_trains_something_else_than_the_outputs():
    import keras
    import numpy as np

    model = keras.Sequential(
        [
            keras.Input((4,)),
            keras.layers.Dense(3, activation="softmax", kernel_initializer="zeros"),
        ]
    )
    x = np.random.default_rng(3).normal(size=(6, 4)).astype("float32")
    y = np.array([[0, 1, 0], [0, 0, 1], [1, 0, 0]] * 2, "float32")
    assert model.predict(x, verbose=0).ravel().tolist() == pytest.approx([1 / 3] * 18)
    model.compile(loss="binary_crossentropy")
    loss = model.evaluate(x, y, verbose=0)
    # binary crossentropy of the predicted rows [1/3, 1/3, 1/3] would be 0.6365; on the
    # TensorFlow backend Keras instead scores sigmoid(pre-softmax logits) = 0.5: log 2
    assert _bce_prob([0, 1, 0], [1 / 3] * 3) == pytest.approx(0.6365142, rel=1e-6)
    assert loss == pytest.approx(math.log(2), rel=1e-6)


# --- XEN106 categorical-loss-on-sigmoid --------------------------------------------------


def test_xen106_categorical_loss_cannot_see_the_sigmoid_scale():
    import keras
    import numpy as np

    rows = np.array([[0.9, 0.9, 0.9], [0.01, 0.01, 0.01]], "float32")
    y = np.array([[1, 0, 0], [1, 0, 0]], "float32")
    assert rows.sum(axis=1).tolist() == pytest.approx([2.7, 0.03])  # not distributions
    loss = keras.losses.categorical_crossentropy(y, rows).numpy()
    # rows are renormalised: 0.9 and 0.01 for the true class cost exactly the same
    assert loss.tolist() == pytest.approx([math.log(3), math.log(3)], rel=1e-6)
    assert loss[0] == pytest.approx(1.0986123, rel=1e-6)


def test_xen106_compiled_model_trains_softmax_but_predicts_sigmoid():
    import keras
    import numpy as np

    logits = [[2.0, -1.0, 0.5], [0.0, 1.0, 3.0]]
    onehot = [[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]]
    x = np.array(logits, "float32")
    y = np.array(onehot, "float32")
    model = _identity_model(3, "sigmoid")
    model.compile(loss="categorical_crossentropy")
    compiled = model.evaluate(x, y, verbose=0)
    probs = model.predict(x, verbose=0)

    sig = [[_sigmoid(v) for v in row] for row in logits]
    assert probs.ravel().tolist() == pytest.approx([v for row in sig for v in row], rel=1e-5)
    assert probs.sum(axis=1).tolist() == pytest.approx([sum(r) for r in sig], rel=1e-5)
    softmax_on_logits = sum(_softmax_xent(a, b) for a, b in zip(onehot, logits, strict=True)) / 2
    renormalised = (
        sum(-math.log(r[a.index(1.0)] / sum(r)) for a, r in zip(onehot, sig, strict=True)) / 2
    )
    # TensorFlow backend: the loss trains a softmax over the logits, while predict
    # returns sigmoid rows summing to 1.77 and 2.18
    assert compiled == pytest.approx(softmax_on_logits, rel=1e-5)
    assert compiled != pytest.approx(renormalised, rel=0.05)
    # the same loss on the predicted rows (custom loop, other backends) renormalises them
    custom = float(keras.losses.CategoricalCrossentropy()(y, probs))
    assert custom == pytest.approx(renormalised, rel=1e-5)


# --- XEN107 accuracy-threshold-on-logits -------------------------------------------------


def test_xen107_threshold_half_on_logits_misclassifies():
    import keras
    import numpy as np

    logits = [0.3, 0.4, -1.0, -2.0]
    labels = [1.0, 1.0, 0.0, 0.0]
    z = np.array([[v] for v in logits], "float32")
    y = np.array([[v] for v in labels], "float32")
    results = {}
    for threshold in (0.5, 0.0):
        metric = keras.metrics.BinaryAccuracy(threshold=threshold)
        metric.update_state(y, z)
        results[threshold] = float(metric.result())
    # reference: sigmoid(z) > 0.5 is the same as z > 0
    probs = [_sigmoid(v) for v in logits]
    truth = sum((p > 0.5) == (t == 1.0) for p, t in zip(probs, labels, strict=True)) / 4
    assert truth == 1.0
    assert results[0.0] == pytest.approx(truth)
    assert results[0.5] == pytest.approx(0.5)  # the two positives with 0 < z < 0.5 count wrong


def test_xen107_compile_accuracy_uses_half_and_fix_keeps_predictions():
    import keras
    import numpy as np

    x = np.array([[0.3], [0.4], [-1.0], [-2.0]], "float32")  # identity: logits = x
    y = np.array([[1.0], [1.0], [0.0], [0.0]], "float32")
    model = _identity_model(1)
    loss = keras.losses.BinaryCrossentropy(from_logits=True)
    model.compile(loss=loss, metrics=["accuracy"])
    before = model.predict(x, verbose=0)
    assert model.evaluate(x, y, verbose=0, return_dict=True)["accuracy"] == pytest.approx(0.5)
    model.compile(loss=loss, metrics=[keras.metrics.BinaryAccuracy(threshold=0.0)])
    fixed = model.evaluate(x, y, verbose=0, return_dict=True)
    assert fixed["binary_accuracy"] == pytest.approx(1.0)
    assert model.predict(x, verbose=0).ravel().tolist() == pytest.approx(
        before.ravel().tolist(), rel=1e-6
    )


def test_xen107_recall_and_auc_on_logits_and_their_fixes():
    import keras
    import numpy as np

    def value(metric, y, z) -> float:
        metric.update_state(np.array(y, "float32")[:, None], np.array(z, "float32")[:, None])
        return float(metric.result())

    logits = [0.3, 0.4, -1.0, -2.0, 2.0, -0.2]
    labels = [1.0, 1.0, 0.0, 0.0, 1.0, 0.0]
    # reference: every positive has a positive logit, every negative a negative one
    assert all((z > 0) == (t == 1.0) for z, t in zip(logits, labels, strict=True))
    assert value(keras.metrics.Recall(), labels, logits) == pytest.approx(1 / 3)
    assert value(keras.metrics.Recall(thresholds=0.0), labels, logits) == pytest.approx(1.0)
    assert value(keras.metrics.Precision(thresholds=0.0), labels, logits) == pytest.approx(1.0)
    probs = [_sigmoid(z) for z in logits]
    assert value(keras.metrics.Recall(), labels, probs) == pytest.approx(1.0)
    # AUC: thresholds in [0, 1]; all negative logits tie below them
    logits = [-3.0, -2.0, -1.0, -0.5, 1.5, 3.0]
    labels = [0.0, 1.0, 0.0, 1.0, 0.0, 1.0]
    pairs = [(p, n) for p in range(6) for n in range(6) if labels[p] == 1 and labels[n] == 0]
    truth = sum(logits[p] > logits[n] for p, n in pairs) / len(pairs)  # rank AUC: 6/9
    assert value(keras.metrics.AUC(from_logits=True), labels, logits) == pytest.approx(
        truth, abs=0.01
    )
    assert value(keras.metrics.AUC(), labels, logits) == pytest.approx(0.5, abs=0.01)


def test_xen101_fix_passes_the_logits_to_the_loss_in_a_training_step():
    """fixtures/fix/xen101_pass_the_logits: loss(y, logits, from_logits=True) instead of
    loss(y, softmax(logits), from_logits=True) computes the crossentropy of the model."""
    import keras
    import numpy as np
    from keras import ops

    logits_rows = [[2.0, -1.0, 0.5], [0.1, 0.2, 3.0]]
    labels_rows = [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]
    logits = ops.convert_to_tensor(np.array(logits_rows, "float32"))
    y = np.array(labels_rows, "float32")
    reference = [_softmax_xent(t, z) for t, z in zip(labels_rows, logits_rows, strict=True)]
    probs = ops.softmax(logits)
    fixed = keras.losses.categorical_crossentropy(y, logits, from_logits=True)
    assert np.asarray(fixed).tolist() == pytest.approx(reference, rel=1e-5)
    doubled = [_softmax_xent(t, _softmax(z)) for t, z in zip(labels_rows, logits_rows, strict=True)]
    assert doubled != pytest.approx(reference, rel=1e-2)
    # the same mistake with the tf.nn op (the fix edits its logits= argument alike)
    import tensorflow as tf

    op = tf.nn.softmax_cross_entropy_with_logits(labels=y, logits=probs)
    assert np.asarray(op).tolist() == pytest.approx(doubled, rel=1e-5)
    # measured: on the TensorFlow backend the Keras function recovers the logits under
    # ops.softmax (and warns); on JAX/PyTorch it computes ``doubled``
    buggy = keras.losses.categorical_crossentropy(y, probs, from_logits=True)
    assert np.asarray(buggy).tolist() == pytest.approx(reference, rel=1e-5)


def test_xen301_fix_of_a_two_unit_softmax_keeps_its_loss():
    """fixtures/fix/xen301_two_unit_softmax: Dense(2, softmax) + binary crossentropy on
    one-hot rows becomes Dense(2) + categorical crossentropy on logits, the same loss; a
    logits binary crossentropy there would train two independent sigmoids instead."""
    import keras
    import numpy as np

    logits_rows = [[1.5, -0.5], [0.2, 0.9], [-2.0, 1.0]]
    labels_rows = [[1.0, 0.0], [0.0, 1.0], [1.0, 0.0]]
    x = np.array(logits_rows, "float32")  # identity model: its outputs are x
    y = np.array(labels_rows, "float32")
    before = keras.Sequential([_identity_model(2), keras.layers.Softmax()])
    before.compile(loss="binary_crossentropy")
    fixed = _identity_model(2)
    fixed.compile(loss=keras.losses.CategoricalCrossentropy(from_logits=True))
    two_sigmoids = _identity_model(2)
    two_sigmoids.compile(loss=keras.losses.BinaryCrossentropy(from_logits=True))
    reference = sum(
        _softmax_xent(t, z) for t, z in zip(labels_rows, logits_rows, strict=True)
    ) / len(labels_rows)
    assert fixed.evaluate(x, y, verbose=0) == pytest.approx(reference, rel=1e-4)
    sigmoid_loss = sum(
        sum(_sigmoid_xent(t, z) for t, z in zip(ts, zs, strict=True)) / 2
        for ts, zs in zip(labels_rows, logits_rows, strict=True)
    ) / len(labels_rows)
    assert two_sigmoids.evaluate(x, y, verbose=0) == pytest.approx(sigmoid_loss, rel=1e-4)
    assert sigmoid_loss != pytest.approx(reference, rel=1e-2)
    # Measured: on the TensorFlow backend Keras computes binary crossentropy of a softmax
    # output from the logits under it, with a sigmoid: the original program already
    # trains two independent sigmoids there (elsewhere it scores the softmax per unit).
    assert before.evaluate(x, y, verbose=0) == pytest.approx(sigmoid_loss, rel=1e-4)


# --- XEN2xx label mix-ups ----------------------------------------------------------------


def _fit_once(loss: str, y, units: int = 3) -> None:
    import keras
    import numpy as np

    x = np.random.default_rng(4).normal(size=(len(y), 4)).astype("float32")
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(units, activation="softmax")])
    model.compile(loss=loss, optimizer="sgd")
    model.fit(x, y, epochs=1, verbose=0)


def test_xen201_sparse_loss_with_one_hot_labels_fails_at_fit():
    import keras
    import numpy as np

    one_hot = keras.utils.to_categorical(np.array([0, 1, 2, 0]), 3)
    with pytest.raises(ValueError, match="rank"):
        _fit_once("sparse_categorical_crossentropy", one_hot)


def test_xen202_categorical_loss_with_integer_labels_fails_at_fit():
    import numpy as np

    ids = np.array([0, 1, 2, 0])
    with pytest.raises(ValueError, match="same rank"):
        _fit_once("categorical_crossentropy", ids)
    with pytest.raises(ValueError, match="same shape"):
        _fit_once("categorical_crossentropy", ids.reshape(-1, 1))


def test_xen203_class_count_mismatch():
    import keras
    import numpy as np
    import tensorflow as tf

    five = keras.utils.to_categorical(np.array([0, 1, 2, 4]), 5)
    with pytest.raises(ValueError, match="same shape"):
        _fit_once("categorical_crossentropy", five)  # 5-wide labels, 3 units
    # ids beyond the units: the TensorFlow CPU kernel refuses (JAX returns 0 instead)
    with pytest.raises(tf.errors.InvalidArgumentError):
        _fit_once("sparse_categorical_crossentropy", np.array([0, 1, 12, 15]), units=10)


# --- XEN301 prefer-logits-output ---------------------------------------------------------


def test_xen301_probability_loss_clips_confident_mistakes():
    import keras
    import numpy as np
    import tensorflow as tf

    y = np.array([[1.0, 0.0]], "float32")
    z = tf.constant([[0.0, 40.0]])  # confidently wrong: true-class probability ~4e-18
    with tf.GradientTape() as tape:
        tape.watch(z)
        clipped = keras.losses.CategoricalCrossentropy()(y, tf.nn.softmax(z))
    grad_prob = tape.gradient(clipped, z).numpy().ravel().tolist()
    with tf.GradientTape() as tape:
        tape.watch(z)
        exact = keras.losses.CategoricalCrossentropy(from_logits=True)(y, z)
    grad_logits = tape.gradient(exact, z).numpy().ravel().tolist()

    assert float(clipped) == pytest.approx(-math.log(EPS), rel=1e-5)  # 16.118
    assert float(exact) == pytest.approx(_softmax_xent([1, 0], [0, 40]), rel=1e-6)  # 40.0
    assert grad_prob == pytest.approx([0.0, 0.0], abs=1e-6)  # the clip cuts the learning signal
    assert grad_logits == pytest.approx([-1.0, 1.0], abs=1e-6)

    # a compiled Keras softmax layer on the TensorFlow backend is rescued (logits reused)
    model = _identity_model(2, "softmax")
    model.compile(loss="categorical_crossentropy")
    assert model.evaluate(np.array([[0.0, 40.0]], "float32"), y, verbose=0) == pytest.approx(
        40.0, rel=1e-5
    )


# --- the article's other examples (docs/article.md) --------------------------------------


def test_article_rows_1_3_9_10():
    import keras
    import numpy as np
    import tensorflow as tf

    # row 1: categorical crossentropy, averaged over the batch
    y = np.array([[0, 1, 0], [0, 0, 1]], "float32")
    p = np.array([[0.05, 0.95, 0], [0.1, 0.8, 0.1]], "float32")
    reference = (-math.log(0.95) - math.log(0.1)) / 2
    assert float(keras.losses.CategoricalCrossentropy()(y, p)) == pytest.approx(reference, rel=1e-6)
    assert reference == pytest.approx(1.1769392, rel=1e-6)
    # row 10: the sparse loss on the class ids of the same labels gives the same value
    ids = np.array([1, 2])
    assert float(keras.losses.SparseCategoricalCrossentropy()(ids, p)) == pytest.approx(
        1.1769392, rel=1e-6
    )
    # row 3: the function form returns one loss per sample (row 2's inputs)
    y2 = np.array([[0, 1], [0, 1]], "float32")
    p2 = np.array([[0.05, 0.95], [0.8, 0.2]], "float32")
    per_sample = keras.losses.binary_crossentropy(y2, p2).numpy().tolist()
    expected = [_bce_prob([0, 1], [0.05, 0.95]), _bce_prob([0, 1], [0.8, 0.2])]
    assert per_sample == pytest.approx(expected, rel=1e-5)
    assert per_sample == pytest.approx([0.05129331, 1.609438], rel=1e-5)
    assert float(keras.losses.BinaryCrossentropy()(y2, p2)) == pytest.approx(
        sum(per_sample) / 2, rel=1e-6
    )
    # row 9: binary crossentropy on logits is TensorFlow's sigmoid cross-entropy op
    y3 = np.array([[0.0], [1.0]], "float32")
    z = np.array([[0.2], [0.7]], "float32")
    keras_values = keras.losses.binary_crossentropy(y3, z, from_logits=True).numpy().tolist()
    op_values = tf.nn.sigmoid_cross_entropy_with_logits(labels=y3, logits=z).numpy().ravel()
    reference = [math.log1p(math.exp(0.2)), math.log1p(math.exp(-0.7))]
    assert keras_values == pytest.approx(reference, rel=1e-5)
    assert op_values.tolist() == pytest.approx(reference, rel=1e-5)
    assert keras_values == pytest.approx([0.79813886, 0.40318605], rel=1e-5)
