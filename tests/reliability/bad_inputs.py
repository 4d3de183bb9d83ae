"""The bad-input corpus: every command, fed what a user gets wrong. Each case is (id, args,
what the one error line must say, optional data-dir damage). ``{store}`` is a healthy store
with finished trials, which every case must leave byte-for-byte intact; the other ``{...}``
names are files the ``workspace`` fixture writes (see ``test_bad_input_corpus``).
"""

from __future__ import annotations

RUN = ["run", "--space", "nb201", "--scorer", "best-acc", "--strategy", "independent"]
TOY = ["run", "--space", "toy", "--dataset", "toy", "--scorer", "best-acc", "--strategy", "independent"]
ZC = ["run", "--space", "nb201", "--scorer", "zc-pt", "-N", "1", "-V", "1", "--batch-size", "4"]
CORR = ["correlate", "--proxy", "params", "--sample", "3", "--batch-size", "4"]

# (id, args, expected fragment of the error line, damage to a copy of the data dir or None)
CASES: list[tuple[str, list[str], str, str | None]] = [
    # -- run: names
    ("run-unknown-space", ["run", "--space", "nb999", "--store", "{store}"], "unknown space 'nb999'", None),
    ("run-unknown-scorer", ["run", "--scorer", "zc-ptt", "--store", "{store}"], "unknown scorer 'zc-ptt'", None),
    ("run-unknown-strategy", [*RUN[:5], "--strategy", "greedy", "--store", "{store}"], "unknown strategy", None),
    ("run-unknown-proxy", ["run", "--proxy", "nwott", "--store", "{store}"], "unknown proxy 'nwott'", None),
    ("run-unknown-dataset", [*RUN, "--dataset", "mnist", "--store", "{store}"], "unknown dataset 'mnist'", None),
    ("run-unknown-benchmark", [*RUN, "--benchmark", "nb101", "--store", "{store}"], "unknown benchmark", None),
    ("run-benchmark-of-other-space", [*RUN, "--benchmark", "macro", "--store", "{store}"], "is for space", None),
    ("run-proxy-without-use", [*RUN, "--proxy", "nwot", "--store", "{store}"], "uses no proxy", None),
    ("run-unknown-edge-order", [*ZC, "--edge-order", "sideways", "--store", "{store}"], "edge_order", None),
    ("run-unknown-device", [*RUN, "--device", "tpu", "--store", "{store}"], "tpu", None),
    ("run-unknown-option", [*RUN, "--frobnicate", "--store", "{store}"], "No such option", None),
    # -- run: seeds
    ("seeds-reversed", [*RUN, "--seeds", "3-1", "--store", "{store}"], "bad --seeds '3-1'", None),
    ("seeds-negative", [*RUN, "--seeds", "-1", "--store", "{store}"], "bad --seeds '-1'", None),
    ("seeds-letter", [*RUN, "--seeds", "a", "--store", "{store}"], "bad --seeds 'a'", None),
    ("seeds-empty", [*RUN, "--seeds", "", "--store", "{store}"], "bad --seeds ''", None),
    ("seeds-huge-range", [*RUN, "--seeds", "0-99999999999", "--store", "{store}"], "more than 100,000 seeds", None),
    ("seeds-huge-value", [*RUN, "--seeds", "99999999999999999999", "--store", "{store}"], "below 2**32", None),
    ("seeds-double-comma", [*RUN, "--seeds", "1,,2", "--store", "{store}"], "bad --seeds", None),
    ("seeds-float", [*RUN, "--seeds", "1.5", "--store", "{store}"], "bad --seeds", None),
    # -- run: sizes
    ("proposals-negative", [*ZC, "-N", "-1", "--store", "{store}"], "proposals", None),
    ("validation-negative", [*ZC, "-V", "-5", "--store", "{store}"], "validation", None),
    ("batch-negative", [*ZC, "--batch-size", "-3", "--store", "{store}"], "batch_size", None),
    ("batch-zero", [*ZC, "--batch-size", "0", "--store", "{store}"], "batch_size", None),
    ("proposals-not-int", [*ZC, "-N", "abc", "--store", "{store}"], "not a valid integer", None),
    ("trial-timeout-negative", [*RUN, "--trial-timeout", "-1", "--store", "{store}"], "trial-timeout", None),
    # -- run: --set
    ("set-unknown-key", [*RUN, "--set", "colour=red", "--store", "{store}"], "unknown setting 'colour'", None),
    ("set-no-equals", [*RUN, "--set", "nb201_channels", "--store", "{store}"], "use KEY=VALUE", None),
    ("set-empty-key", [*RUN, "--set", "=4", "--store", "{store}"], "unknown setting ''", None),
    ("set-wrong-type", [*RUN, "--set", "nb201_channels=wide", "--store", "{store}"], "not a valid int", None),
    ("set-below-minimum", [*RUN, "--set", "nb201_channels=0", "--store", "{store}"], "must be >= 1", None),
    ("set-bad-bool", [*RUN, "--set", "nb201_conv_bias=maybe", "--store", "{store}"], "not a valid bool", None),
    ("set-bad-choice", [*RUN, "--set", "nb201_removed_ops=gone", "--store", "{store}"], "choose one of", None),
    ("set-float-for-int", [*RUN, "--set", "nb201_cells=1.5", "--store", "{store}"], "not a valid int", None),
    # -- run: the store
    ("run-store-is-directory", [*TOY, "--store", "{directory}"], "is not a nasbench results store", None),
    ("run-store-not-sqlite", [*TOY, "--store", "{not_sqlite}"], "is not a nasbench results store", None),
    ("run-store-future-schema", [*TOY, "--store", "{future}"], "written by a newer nasbench", None),
    ("run-store-under-a-file", [*TOY, "--store", "{not_sqlite}/x.sqlite"], "results store", None),
    ("run-store-foreign-sqlite", [*TOY, "--store", "{foreign}"], "is not a nasbench results store", None),
    # -- report / edges / report-proxies
    ("report-missing-store", ["report", "--store", "{missing}"], "no results store", None),
    ("report-store-is-directory", ["report", "--store", "{directory}"], "is not a nasbench results store", None),
    ("report-store-not-sqlite", ["report", "--store", "{not_sqlite}"], "is not a nasbench results store", None),
    ("report-future-schema", ["report", "--store", "{future}"], "written by a newer nasbench", None),
    ("report-bad-format", ["report", "--store", "{store}", "--format", "pdf"], "'pdf' is not one of", None),
    ("edges-missing-store", ["edges", "--store", "{missing}"], "no results store", None),
    ("edges-store-not-sqlite", ["edges", "--store", "{not_sqlite}"], "is not a nasbench results store", None),
    ("report-proxies-missing-store", ["report-proxies", "--store", "{missing}"], "no results store", None),
    ("report-proxies-not-sqlite", ["report-proxies", "--store", "{not_sqlite}"], "not a nasbench results store", None),
    ("report-proxies-bad-format", ["report-proxies", "--store", "{store}", "--format", "yaml"], "'yaml'", None),
    ("report-proxies-bad-seed", ["report-proxies", "--store", "{store}", "--seed", "x"], "not a valid integer", None),
    # -- correlate
    ("correlate-unknown-proxy", [*CORR[:1], "--proxy", "nwott", "--store", "{store}"], "unknown proxy 'nwott'", None),
    ("correlate-empty-proxy", [*CORR[:1], "--proxy", ",", "--store", "{store}"], "--proxy is empty", None),
    ("correlate-unknown-space", [*CORR, "--space", "nb999", "--store", "{store}"], "unknown space", None),
    ("correlate-unknown-dataset", [*CORR, "--dataset", "mnist", "--store", "{store}"], "mnist", None),
    ("correlate-sample-negative", [*CORR[:3], "--sample", "-5", "--store", "{store}"], "--sample must be", None),
    ("correlate-sample-word", [*CORR[:3], "--sample", "many", "--store", "{store}"], "bad --sample 'many'", None),
    ("correlate-sample-too-big", [*CORR[:3], "--sample", "99999", "--store", "{store}"], "is more than", None),
    ("correlate-batch-zero", [*CORR[:5], "--batch-size", "0", "--store", "{store}"], "batch", None),
    ("correlate-workers-zero", [*CORR, "--workers", "0", "--store", "{store}"], "workers", None),
    ("correlate-archs-missing", [*CORR[:3], "--archs", "{missing}", "--store", "{store}"], "cannot read --archs", None),
    ("correlate-archs-malformed", [*CORR[:3], "--archs", "{bad_archs}", "--store", "{store}"], "malformed NB201", None),
    ("correlate-archs-bad-op", [*CORR[:3], "--archs", "{bad_op_archs}", "--store", "{store}"], "unknown op", None),
    ("correlate-archs-empty", [*CORR[:3], "--archs", "{empty}", "--store", "{store}"], "lists no architecture", None),
    ("correlate-store-not-sqlite", [*CORR, "--store", "{not_sqlite}"], "results store", None),
    ("correlate-store-future", [*CORR, "--store", "{future}"], "newer nasbench", None),
    # -- suite
    ("suite-missing-file", ["suite", "run", "{missing}", "--store", "{store}"], "no suite file", None),
    ("suite-malformed-toml", ["suite", "run", "{suite_malformed}", "--store", "{store}"], "is not valid TOML", None),
    ("suite-empty-toml", ["suite", "run", "{empty}", "--store", "{store}"], "a suite needs", None),
    ("suite-no-cells", ["suite", "check", "{suite_no_cells}", "--store", "{store}"], "at least one [[cells]]", None),
    ("suite-unknown-metric", ["suite", "run", "{suite_bad_metric}", "--store", "{store}"], "unknown metric", None),
    ("suite-unknown-scorer", ["suite", "run", "{suite_bad_scorer}", "--store", "{store}"], "unknown scorer", None),
    ("suite-bad-seeds", ["suite", "run", "{suite_bad_seeds}", "--store", "{store}"], "bad --seeds", None),
    ("suite-unknown-setting", ["suite", "run", "{suite_bad_setting}", "--store", "{store}"], "unknown setting", None),
    (
        "suite-checks-nothing",
        ["suite", "check", "{suite_unchecked}", "--quick", "--store", "{store}"],
        "enforces no check",
        None,
    ),
    ("suite-check-missing-store", ["suite", "check", "{suite_ok}", "--store", "{missing}"], "no results store", None),
    ("suite-check-not-sqlite", ["suite", "check", "{suite_ok}", "--store", "{not_sqlite}"], "results store", None),
    ("suite-report-future", ["suite", "report", "{suite_ok}", "--store", "{future}"], "newer nasbench", None),
    # -- data import
    ("import-nb201-missing", ["data", "import", "nb201", "{missing}"], "does not exist", None),
    ("import-nb201-garbage", ["data", "import", "nb201", "{not_sqlite}"], "", None),
    ("import-nb301-missing", ["data", "import", "nb301", "{missing}"], "does not exist", None),
    ("import-nb301-empty-dir", ["data", "import", "nb301", "{directory}"], "", None),
    ("import-nats-missing", ["data", "import", "nats", "{missing}"], "does not exist", None),
    # -- damaged data files (a copy of the data dir with one file broken)
    ("nb201-table-truncated", [*RUN, "--store", "{store}"], "nb201_test_acc.csv", "truncate:nb201_test_acc.csv"),
    ("nb201-table-empty", [*RUN, "--store", "{store}"], "nb201_test_acc.csv", "empty:nb201_test_acc.csv"),
    ("nb201-table-wrong-columns", [*RUN, "--store", "{store}"], "nb201_test_acc.csv", "columns:nb201_test_acc.csv"),
    (
        "cifar-batch-missing",
        [*ZC, "--store", "{store}"],
        "data_batch_1.bin",
        "remove:cifar-10-batches-bin/data_batch_1.bin",
    ),
    (
        "cifar-batch-truncated",
        [*ZC, "--store", "{store}"],
        "data_batch_1.bin",
        "truncate:cifar-10-batches-bin/data_batch_1.bin",
    ),
    (
        "nb301-surrogate-corrupt",
        ["run", "--space", "darts", "--scorer", "none", "--strategy", "random", "--store", "{store}"],
        "model_v2.onnx",
        "garbage:nb301_yahpo/model_v2.onnx",
    ),
    (
        "macro-table-corrupt",
        ["run", "--space", "macro", "--scorer", "best-acc", "--strategy", "independent", "--store", "{store}"],
        "nas-bench-macro_cifar10.json",
        "truncate:nas-bench-macro_cifar10.json",
    ),
]
