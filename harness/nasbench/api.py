"""The public surface of nasbench: the only module a plugin (built-in or third-party) imports.

Everything else under ``nasbench`` is the engine and may change without notice; these names
keep their meaning. ``tests/architecture/test_api_boundary.py`` checks that the built-in
plugins import nothing from ``nasbench`` but this module, so this list is also the complete
answer to "what can a plugin rely on". Grouped as:

- **hooks**: ``hookimpl`` (decorate the ``nasbench_*`` hooks of ``nasbench.hookspecs``);
- **components and values**: the five protocols and what they exchange (``Arch``, ...);
- **settings**: ``Setting`` (typed knob of one component: bounds, a path kind, component names),
  ``RunSettings`` (what a component's ``check_settings(run)`` hook sees), ``parse_seeds`` and
  ``item_set`` (a comma-separated choice of a method's named items: its ablation switches);
- **the trial's context**: ``SearchContext`` (randomness, images, supernet, proxy scoring, oracle);
- **supernet masking**: ``new_mask``/``active_ops``/``discretize``/``reset``/``removed``/``only``;
- **topology**: ``TopologyRule``, ``apply_topology``, ``select_topology``, ``perturbation_strengths``;
- **numbers**: ``rank_of``, ``percentile``, ``spearman``, ``kendall``, ``edge_spearman``, ``argmax_valid``;
- **torch helpers**: ``torch_generator``, ``reset_parameters``, ``resolve_device``, ``measure``,
  ``AvgPool3x3`` (the cells' 3x3 average pooling, fast in channels-last);
- **numerics**: ``network_precision`` (what a network asks before it runs: bf16 autocast or fp32,
  channels-last), ``precision_scope`` (what a run or command opens), ``Precision``, ``PRECISIONS``;
  ``keep_freed_memory`` (large tensors reuse the heap instead of page-faulting: 13-21% of a zc-pt
  score's CPU time);
- **data**: ``DataFile``, ``resolve_data``, ``data_dirs``, ``cache_dir``, ``ImageSet``, ``read_cifar_binary``,
  ``load_cifar10``; ``space_config``/``differing_settings`` (what a cached artefact was made with);
- **the store (read API) and reports**: ``Store``, ``DEFAULT_STORE``, ``render``, ``write_section``;
  ``StoreTable`` (a plugin's own table: layout, version, migrations) and ``connect_store`` (the
  store file's one opener, which creates or migrates the tables it is given); committed trials as
  JSON lines: ``read_trial_lines``/``write_trial_lines``/``import_trial_lines`` and ``trials_store``
  (a temporary store holding committed trials, for reports and checks without a store of one's own);
- **commands**: ``command_group``, ``exit_if_failed``, ``trial_timeout_option``, ``journal_option``,
  ``data_dir_option``, ``FiniteFloat`` (a float option without NaN/inf), ``registry_of``;
- **running trials and jobs**: ``prepare_run``/``run_trials``/``result_json`` (what ``nasbench run`` does),
  ``make_executor`` (serial, process pool or Ray, one retry policy) and ``JobFailed``;
  ``worker_registry``/``share_registry``/``plugin_modules_of`` (a job's registry in its worker);
- **conformance** (``nasbench verify METHOD``): ``Check`` (one quantity: count, worst error,
  mismatches), ``mismatch_lines``, ``reference_folder``/``reference_json``/``require_keys``/
  ``reference_data_file`` (a reference folder's files, one line when broken);
- **errors and exit codes**: ``NasbenchError`` and its kinds, ``EXIT_*``.
"""

from __future__ import annotations

from nasbench.clikit import (
    FiniteFloat,
    command_group,
    data_dir_option,
    exit_if_failed,
    journal_option,
    registry_of,
    trial_timeout_option,
)
from nasbench.components import (
    KINDS,
    Arch,
    Benchmark,
    EdgeScores,
    Proxy,
    Scorer,
    SearchOutcome,
    SearchSpace,
    Strategy,
    TrialResult,
    proxy_version,
    scorer_version,
)
from nasbench.conformance import (
    Check,
    mismatch_lines,
    reference_data_file,
    reference_folder,
    reference_json,
    require_keys,
)
from nasbench.context import SearchContext
from nasbench.data import HOST_FILES, DataFile, cache_dir, data_dirs, github_raw
from nasbench.data import resolve as resolve_data
from nasbench.docsections import write_section
from nasbench.errors import (
    EXIT_CHECK_FAILED,
    EXIT_OK,
    EXIT_TRIALS_FAILED,
    EXIT_USAGE,
    BadInput,
    DataError,
    NasbenchError,
    PluginError,
    UnknownName,
)
from nasbench.executors import JobFailed, make_executor, plugin_modules_of, share_registry, worker_registry
from nasbench.heap import keep_freed_memory
from nasbench.hookspecs import hookimpl
from nasbench.hostsettings import HOST as _HOST
from nasbench.images import ImageSet, load_cifar10, read_cifar_binary
from nasbench.keys import differing_settings, space_config
from nasbench.measure import Counters, Measurement, measure
from nasbench.metrics import argmax_valid, edge_spearman, kendall, percentile, rank_of, spearman, top_k_precision
from nasbench.oracle import POLICIES as ORACLE_POLICIES
from nasbench.oracle import oracle_scores
from nasbench.precision import PRECISIONS, Precision, network_precision, precision_scope
from nasbench.registry import Registry, make_registry
from nasbench.report import ReportColumn, render, varying_settings
from nasbench.runner import PreparedRun, result_json, run_trial
from nasbench.runner import prepare as prepare_run
from nasbench.runner import run as run_trials
from nasbench.setting_checks import item_set
from nasbench.settings import RunSettings, Setting, parse_seeds, resolve_settings
from nasbench.store import DEFAULT_STORE, Store, read_store
from nasbench.store import Table as StoreTable
from nasbench.store import open_store as connect_store
from nasbench.supernet import active_ops, discretize, new_mask, only, perturbation_scores, removed, reset
from nasbench.topology import TopologyRule, apply_topology, perturbation_strengths, select_topology
from nasbench.torchutil import AvgPool3x3, reset_parameters, resolve_device, torch_generator
from nasbench.trial_lines import import_lines as import_trial_lines
from nasbench.trial_lines import read_lines as read_trial_lines
from nasbench.trial_lines import store_of as trials_store
from nasbench.trial_lines import write_lines as write_trial_lines

#: the settings every run has whatever its components (``precision``): name -> Setting
HOST_SETTINGS = dict(_HOST.settings)

__all__ = [
    # hooks
    "hookimpl",
    # components and values
    "KINDS",
    "Arch",
    "Benchmark",
    "EdgeScores",
    "Proxy",
    "Scorer",
    "SearchOutcome",
    "SearchSpace",
    "Strategy",
    "TrialResult",
    "proxy_version",
    "scorer_version",
    # settings
    "Setting",
    "RunSettings",
    "parse_seeds",
    "item_set",
    "Check",
    "mismatch_lines",
    "reference_data_file",
    "reference_folder",
    "reference_json",
    "require_keys",
    "resolve_settings",
    # the trial's context
    "SearchContext",
    # supernet masking
    "active_ops",
    "discretize",
    "new_mask",
    "only",
    "perturbation_scores",
    "removed",
    "reset",
    # topology
    "TopologyRule",
    "apply_topology",
    "perturbation_strengths",
    "select_topology",
    # numbers
    "ORACLE_POLICIES",
    "argmax_valid",
    "edge_spearman",
    "kendall",
    "oracle_scores",
    "percentile",
    "rank_of",
    "spearman",
    "top_k_precision",
    # torch helpers
    "AvgPool3x3",
    "Counters",
    "Measurement",
    "measure",
    "reset_parameters",
    "resolve_device",
    "torch_generator",
    # data
    "DataFile",
    "ImageSet",
    "data_dirs",
    "load_cifar10",
    "read_cifar_binary",
    "resolve_data",
    "github_raw",
    "HOST_FILES",
    "cache_dir",
    "space_config",
    "differing_settings",
    # numerics networks run in (docs/plugins.md "Precision")
    "PRECISIONS",
    "Precision",
    "network_precision",
    "precision_scope",
    "HOST_SETTINGS",
    "keep_freed_memory",
    # store and reports
    "DEFAULT_STORE",
    "Store",
    "read_store",
    "connect_store",
    "StoreTable",
    "read_trial_lines",
    "write_trial_lines",
    "import_trial_lines",
    "trials_store",
    "render",
    "ReportColumn",
    "varying_settings",
    "write_section",
    # commands
    "command_group",
    "data_dir_option",
    "exit_if_failed",
    "FiniteFloat",
    "registry_of",
    "Registry",
    "make_registry",
    "trial_timeout_option",
    "journal_option",
    # running trials and jobs (what `nasbench run` does, for commands that run many)
    "PreparedRun",
    "prepare_run",
    "run_trials",
    "run_trial",
    "result_json",
    "JobFailed",
    "make_executor",
    "plugin_modules_of",
    "share_registry",
    "worker_registry",
    # errors and exit codes
    "EXIT_CHECK_FAILED",
    "EXIT_OK",
    "EXIT_TRIALS_FAILED",
    "EXIT_USAGE",
    "BadInput",
    "DataError",
    "NasbenchError",
    "PluginError",
    "UnknownName",
]
