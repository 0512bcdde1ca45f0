"""Messages that match the situation, and one coherent finding per mistake (issue 9, 11 §4).

The fixtures say *where* findings are reported; these tests say what the messages claim:
no "1-unit output"/"the model learns nothing" where only arrays exist, the activation the
loss really applies, the op to switch to, the branch an activation sits on, and fixes
that are not offered where they would not mean what their title says.
"""

from __future__ import annotations

from xentlint import lint_source
from xentlint.fix import fix_source
from xentlint.knowledge.datasets import tfds_classes


def findings(text: str) -> list[tuple[int, str, str]]:
    return [(d.line, d.code, d.message) for d in lint_source(text)]


def test_plain_arrays_get_no_model_words() -> None:
    text = (
        "import numpy as np\n"
        "from keras import losses\n"
        "y_true = np.array([[1], [1]], dtype='float32')\n"
        "y_pred = np.array([[0.5], [0.5]], dtype='float32')\n"
        "losses.categorical_crossentropy(y_true, y_pred)\n"
    )
    [(line, code, message)] = findings(text)
    assert (line, code) == (5, "XEN104")
    assert "single column (at line 4)" in message
    assert "1-unit output" not in message and "model" not in message


def test_one_unit_model_keeps_its_words_and_says_from_logits() -> None:
    text = (
        "import keras\n"
        "m = keras.Sequential([keras.layers.Dense(1)])\n"
        "m.compile(loss='categorical_crossentropy')\n"
    )
    [(line, code, message)] = findings(text)
    assert (line, code) == (3, "XEN104")  # and no XEN102 with contradicting advice
    assert "the 1-unit output at line 2" in message and "learns nothing" in message
    assert "from_logits=True" in message


def test_softmax_into_binary_logits_loss_says_sigmoid() -> None:
    text = (
        "import keras\n"
        "m = keras.Sequential([keras.layers.Dense(2, activation='softmax')])\n"
        "m.compile(loss=keras.losses.BinaryCrossentropy(from_logits=True))\n"
    )
    [(line, code, message)] = findings(text)
    assert (line, code) == (2, "XEN101")
    assert "applies a sigmoid on top" in message and "sigmoid(softmax(...))" in message
    assert "applied twice" not in message
    # removing the softmax would leave two independent sigmoids: no automatic fix
    assert fix_source(text, unsafe=True).text == text


def test_logits_op_advice_has_no_from_logits_to_drop() -> None:
    text = (
        "import tensorflow as tf\n"
        "def loss(x, y):\n"
        "    probs = tf.nn.softmax(tf.keras.layers.Dense(3)(x))\n"
        "    return tf.nn.softmax_cross_entropy_with_logits(labels=y, logits=probs)\n"
    )
    [(line, code, message)] = findings(text)
    assert (line, code) == (3, "XEN101")
    assert "drop from_logits" not in message and "predict" not in message
    assert "Pass the scores from before the softmax (the logits)" in message


def test_model_with_logits_loss_gets_the_predict_advice() -> None:
    text = (
        "import keras\n"
        "m = keras.Sequential([keras.layers.Dense(3, activation='softmax')])\n"
        "m.compile(loss=keras.losses.CategoricalCrossentropy(from_logits=True))\n"
    )
    [(_, code, message)] = findings(text)
    assert code == "XEN101"
    assert "`predict` then returns logits" in message and "or drop from_logits" in message


def test_branch_is_named_and_not_fixed() -> None:
    text = (
        "import keras\n"
        "import tensorflow as tf\n"
        "class Net(keras.Model):\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        "        self.d = keras.layers.Dense(4)\n"
        "    def call(self, x, is_training=False):\n"
        "        x = self.d(x)\n"
        "        if not is_training:\n"
        "            x = tf.nn.softmax(x)\n"
        "        return x\n"
        "net = Net()\n"
        "def evaluate(x, y):\n"
        "    return tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=net(x))\n"
    )
    [(line, code, message)] = findings(text)
    assert (line, code) == (10, "XEN101")
    assert "on the branch where `not is_training` holds (at line 9)" in message
    assert fix_source(text, unsafe=True).text == text
    trained = text.replace("logits=net(x))", "logits=net(x, is_training=True))")
    assert findings(trained) == []


def test_tf_ops_name_the_op_to_switch_to() -> None:
    text = (
        "import numpy as np\n"
        "import tensorflow as tf\n"
        "def f(logits):\n"
        "    y = np.random.randint(0, 3, 100)\n"
        "    return tf.nn.softmax_cross_entropy_with_logits(labels=y, logits=logits)\n"
    )
    [(line, code, message)] = findings(text)
    assert (line, code) == (5, "XEN202")
    assert "Use sparse_softmax_cross_entropy_with_logits" in message
    fixed = fix_source(text).text
    assert "tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y" in fixed


def test_placeholder_findings_have_no_fix() -> None:
    """Fed ids into a one-hot op: changing the op alone would leave the placeholder's
    declared [None, 10] float shape wrong for the sparse op."""
    text = (
        "import tensorflow as tf\n"
        "from tensorflow.examples.tutorials.mnist import input_data\n"
        "mnist = input_data.read_data_sets('data')\n"
        "y = tf.placeholder(tf.float32, [None, 10])\n"
        "logits = tf.placeholder(tf.float32, [None, 10])\n"
        "loss = tf.nn.softmax_cross_entropy_with_logits(labels=y, logits=logits)\n"
        "xs, ys = mnist.train.next_batch(10)\n"
        "tf.Session().run(loss, feed_dict={y: ys})\n"
    )
    [(line, code, message)] = findings(text)
    assert (line, code) == (6, "XEN202")
    assert "read_data_sets(), one_hot=False by default at line 3" in message
    assert fix_source(text).text == text


def test_flat_row_decided_by_the_prediction() -> None:
    """[0, 0, 1] is one sample's one-hot row for one row of 3 scores, 3 ids for 3 rows."""
    head = (
        "import tensorflow as tf\n"
        "cce = tf.keras.losses.CategoricalCrossentropy()\n"
        "probas = tf.nn.softmax(tf.constant({rows}))\n"
        "cce(y_true=[0, 0, 1], y_pred=probas)\n"
    )
    one_sample = head.format(rows="[[1.5, 0.8, 2.1]]")
    assert findings(one_sample) == []
    three_samples = head.format(rows="[[1.5, 0.8], [2.1, 0.3], [0.2, 0.1]]")
    assert [c for _, c, _ in findings(three_samples)] == ["XEN202"]
    unknown = (
        "import tensorflow as tf\n"
        "def f(p):\n"
        "    return tf.keras.losses.categorical_crossentropy([0, 0, 1], tf.nn.softmax(p))\n"
    )
    assert findings(unknown) == []


def test_tfds_names_with_versions_and_configs() -> None:
    assert tfds_classes("mnist") == 10
    assert tfds_classes("cifar100:3.0.2") == 100
    assert tfds_classes("imagenette/320px") == 10
    assert tfds_classes("emnist/letters") is None  # another config: another label set
    assert tfds_classes("no_such_dataset") is None
