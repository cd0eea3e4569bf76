"""Experiment scripts: configs, the flags-only entry point and train_and_evaluate."""
